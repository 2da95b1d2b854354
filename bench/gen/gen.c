/*
 * Switchboard load generator: one thread, epoll, non-blocking sockets.
 *
 * Modes (see bench/README.md):
 *   dm      lab direct messages: P pairs, each client SENDs to its partner, W in flight,
 *           a slot freed by SEND-OK.
 *   fanout  lobby fan-out (gowing, bcs, udp): M members, S senders, W in flight per sender,
 *           a slot freed when every member that should get the message has got it.
 *   idle    N clients log in (lab, or a mix of lab/gowing/bcs/udp) and stay idle.
 *
 * Dialect irc (fan-out only) drives an IRC server for the calibration row: every member
 * JOINs one channel, the senders PRIVMSG it (the senders OPER and set user mode +F first,
 * which lifts ngIRCd's per-user flood throttle). A member is in when its own JOIN echoes.
 *
 * --transport ws: the stream dialects' clients connect to the web listener (--web-port)
 * and speak their dialect over a WebSocket on /ws/<dialect> (docs/web.md): an HTTP
 * upgrade first, then what a flush would write goes as one masked binary message, and
 * the server's binary messages are unwrapped into the same parser (their boundaries mean
 * nothing). A ping is answered; a close ends the connection.
 *
 * Every message body starts with "~", then the send time (CLOCK_MONOTONIC ns, 16 hex),
 * the sender index (4 hex) and its sequence number (8 hex), padded to --body bytes.
 * The receiver parses it, so latency is measured at the receiver, on this machine's clock.
 *
 * Protocol with the orchestrator (bench/run.mjs), one line each on stdout:
 *   LOGGED_IN <ms>      every client is logged in (ms since the first connect)
 *   MEASURE_START       the measured window begins (after the warm-up)
 *   MEASURE_END         it ends
 *   RESULT {json}       the numbers; then the generator exits
 * It stops by itself: a deadline covers the login phase too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* irc is the calibration dialect (ngIRCd): fan-out only, never in the idle mix */
enum { D_LAB, D_GOWING, D_BCS, D_UDP, D_IRC, D_COUNT };
#define D_MIXED 4 /* the idle mix: the first four */
static const char *DNAME[D_COUNT] = {"lab", "gowing", "bcs", "udp", "irc"};
static const char IRC_CHANNEL[] = "#lobby";
enum { M_DM, M_FANOUT, M_IDLE };
enum { S_FREE, S_CONNECTING, S_UPGRADING, S_LOGIN_SENT, S_IN, S_DEAD };

#define INCAP 65536
#define MAXW 256
#define WINCAP (256 * 1024) /* WebSocket bytes read and not yet unwrapped */
#define WS_MAX_PAYLOAD 65536 /* the server's limit per message (docs/web.md) */

typedef struct conn {
  int fd, idx, dialect, state, partner;
  char name[16];
  unsigned char *in;
  size_t inlen;
  unsigned char *out;
  size_t outlen, outcap;
  int dirty, want_out;
  int inflight;
  uint32_t seq;
  uint64_t t_connect, t_login_sent;
  /* --transport ws: the wire under the dialect's bytes */
  unsigned char *win;
  size_t winlen;
  unsigned char *wout;
  size_t woutlen, woutcap;
  /* fan-out sender slots */
  uint32_t *slot_seq;
  uint64_t *slot_t;
  int *slot_cnt;
} conn;

/* options */
static int mode = M_DM, dialect = D_LAB, mixed = 0, ws = 0, web_port = 0;
static const char *host = "127.0.0.1";
static int port[D_COUNT];
static int pairs = 1, window_ = 1, members = 100, senders = 10, clients = 10000, body = 64,
           concurrency = 200;
static double warmup = 3, measure = 10, login_deadline = 60;

static conn *conns;
static int nconns, ep;
static int *dirty_list, ndirty;
static struct sockaddr_in addr[D_COUNT], web_addr;
/* --second-port: a second server (another node of a cluster) that the odd-numbered clients
 * connect to, so every dm pair and half of the fan-out members are split across the two */
static int second_port;
static struct sockaddr_in second_addr;

/* phase */
static uint64_t t_first_connect, t_all_in, t_mstart, t_mend, t_deadline;
static int logged_in, phase; /* 0 login, 1 warm-up, 2 measure, 3 done */
static int next_to_connect, connecting_now;

/* counters (measured window unless noted) */
static uint64_t sends_m, deliveries_m, deliveries_all, lost, disconnected, errors_seen, send_ok_m;
static uint64_t lat_max_ns;
#define FINE 100000 /* 1 us buckets up to 100 ms */
#define COARSE 100000 /* 1 ms buckets up to 100 s */
static uint32_t hist_fine[FINE], hist_coarse[COARSE];
static uint64_t hist_n;
static uint32_t login_hist_fine[FINE], login_hist_coarse[COARSE];
static uint64_t login_n, login_max_ns;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "gen: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

static void hist_add(uint32_t *fine, uint32_t *coarse, uint64_t ns) {
  uint64_t us = ns / 1000;
  if (us < FINE) fine[us]++;
  else {
    uint64_t ms = ns / 1000000;
    coarse[ms < COARSE ? ms : COARSE - 1]++;
  }
}

/* percentile in microseconds */
static double hist_pct(uint32_t *fine, uint32_t *coarse, uint64_t n, double p) {
  if (n == 0) return 0;
  uint64_t want = (uint64_t)(p * n);
  if (want >= n) want = n - 1;
  uint64_t seen = 0;
  for (int i = 0; i < FINE; i++) {
    seen += fine[i];
    if (seen > want) return i + 0.5;
  }
  for (int i = 0; i < COARSE; i++) {
    seen += coarse[i];
    if (seen > want) return i * 1000.0 + 500;
  }
  return 0;
}

static void record_latency(uint64_t sent, uint64_t now) {
  if (phase != 2) return;
  uint64_t d = now > sent ? now - sent : 0;
  hist_add(hist_fine, hist_coarse, d);
  hist_n++;
  if (d > lat_max_ns) lat_max_ns = d;
}

/* ---------- output ---------- */

static void mark_dirty(conn *c) {
  if (!c->dirty) {
    c->dirty = 1;
    dirty_list[ndirty++] = c->idx;
  }
}

static unsigned char *out_reserve(conn *c, size_t n) {
  if (c->outlen + n > c->outcap) {
    size_t cap = c->outcap ? c->outcap : 4096;
    while (cap < c->outlen + n) cap *= 2;
    c->out = realloc(c->out, cap);
    if (!c->out) die("out of memory");
    c->outcap = cap;
  }
  unsigned char *p = c->out + c->outlen;
  c->outlen += n;
  mark_dirty(c);
  return p;
}

static void conn_dead(conn *c, const char *why) {
  if (c->state == S_DEAD || c->state == S_FREE) return;
  if (phase < 3) {
    disconnected++;
    if (disconnected <= 5) fprintf(stderr, "gen: %s client %s disconnected (%s)\n", DNAME[c->dialect], c->name, why);
  }
  if (c->state == S_CONNECTING || c->state == S_UPGRADING || c->state == S_LOGIN_SENT) connecting_now--;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->state = S_DEAD;
  c->outlen = 0;
}

static int uses_ws(const conn *c) { return ws && c->dialect != D_UDP; }

static unsigned char *wout_reserve(conn *c, size_t n) {
  if (c->woutlen + n > c->woutcap) {
    size_t cap = c->woutcap ? c->woutcap : 4096;
    while (cap < c->woutlen + n) cap *= 2;
    c->wout = realloc(c->wout, cap);
    if (!c->wout) die("out of memory");
    c->woutcap = cap;
  }
  unsigned char *p = c->wout + c->woutlen;
  c->woutlen += n;
  return p;
}

/* a client frame (masked, as RFC 6455 requires of clients) of `opcode` around p[0..n) */
static uint32_t mask_state = 0x9e3779b9u;
static void ws_frame(conn *c, int opcode, const unsigned char *p, size_t n) {
  size_t hl = n < 126 ? 2 : n < 65536 ? 4 : 10;
  unsigned char *h = wout_reserve(c, hl + 4 + n);
  h[0] = 0x80 | opcode;
  if (n < 126) h[1] = 0x80 | n;
  else if (n < 65536) {
    h[1] = 0x80 | 126;
    h[2] = n >> 8;
    h[3] = n & 0xff;
  } else {
    h[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) h[2 + i] = (uint64_t)n >> (56 - 8 * i);
  }
  mask_state ^= mask_state << 13, mask_state ^= mask_state >> 17, mask_state ^= mask_state << 5;
  unsigned char *key = h + hl;
  memcpy(key, &mask_state, 4);
  unsigned char *body = key + 4;
  for (size_t i = 0; i < n; i++) body[i] = p[i] ^ key[i & 3];
}

/* WebSocket: what the dialect queued leaves as binary messages, then the wire is written */
static void flush_ws(conn *c) {
  if (c->state != S_UPGRADING && c->outlen > 0) {
    for (size_t at = 0; at < c->outlen; at += WS_MAX_PAYLOAD) {
      size_t n = c->outlen - at < WS_MAX_PAYLOAD ? c->outlen - at : WS_MAX_PAYLOAD;
      ws_frame(c, 2, c->out + at, n);
    }
    c->outlen = 0;
  }
  while (c->woutlen > 0) {
    ssize_t w = send(c->fd, c->wout, c->woutlen, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      conn_dead(c, strerror(errno));
      return;
    }
    memmove(c->wout, c->wout + w, c->woutlen - w);
    c->woutlen -= w;
  }
  int want = c->woutlen > 0;
  if (want != c->want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = c->idx};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want;
  }
}

static void flush(conn *c) {
  c->dirty = 0;
  if (c->state == S_DEAD || c->state == S_CONNECTING) return;
  if (uses_ws(c)) {
    flush_ws(c);
    return;
  }
  if (c->outlen == 0) return;
  if (c->dialect == D_UDP) {
    /* datagrams are queued as [len:u16][bytes] records */
    size_t off = 0;
    while (off < c->outlen) {
      size_t n = c->out[off] | (c->out[off + 1] << 8);
      ssize_t w = send(c->fd, c->out + off + 2, n, 0);
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) break;
      off += 2 + n; /* other errors: the datagram is lost, as UDP allows */
    }
    memmove(c->out, c->out + off, c->outlen - off);
    c->outlen -= off;
  } else {
    while (c->outlen > 0) {
      ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        conn_dead(c, strerror(errno));
        return;
      }
      memmove(c->out, c->out + w, c->outlen - w);
      c->outlen -= w;
    }
  }
  int want = c->outlen > 0;
  if (want != c->want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.u32 = c->idx};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want;
  }
}

/* a datagram or a stream frame: type(1) len(2 BE) payload */
static unsigned char *frame_start(conn *c, int type, size_t payload) {
  if (c->dialect == D_UDP) {
    unsigned char *p = out_reserve(c, 2 + 3 + payload);
    p[0] = (3 + payload) & 0xff;
    p[1] = (3 + payload) >> 8;
    p += 2;
    p[0] = type;
    p[1] = payload >> 8;
    p[2] = payload & 0xff;
    return p + 3;
  }
  unsigned char *p = out_reserve(c, 3 + payload);
  p[0] = type;
  p[1] = payload >> 8;
  p[2] = payload & 0xff;
  return p + 3;
}

static const char HEX[] = "0123456789abcdef";
static void put_hex(unsigned char *p, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; i--) {
    p[i] = HEX[v & 15];
    v >>= 4;
  }
}
static int get_hex(const unsigned char *p, int digits, uint64_t *out) {
  uint64_t v = 0;
  for (int i = 0; i < digits; i++) {
    unsigned char ch = p[i];
    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    if (d < 0) return 0;
    v = v << 4 | d;
  }
  *out = v;
  return 1;
}
#define STAMP 29 /* "~" + 16 + 4 + 8 */
static void put_body(unsigned char *p, int sender, uint32_t seq, uint64_t t) {
  p[0] = '~';
  put_hex(p + 1, t, 16);
  put_hex(p + 17, sender, 4);
  put_hex(p + 21, seq, 8);
  memset(p + STAMP, '.', body - STAMP);
}
/* returns 1 and the fields when `p` holds one of our bodies */
static int parse_body(const unsigned char *p, size_t n, uint64_t *t, int *sender, uint32_t *seq) {
  uint64_t a, b, c;
  if (n < STAMP || p[0] != '~') return 0;
  if (!get_hex(p + 1, 16, &a) || !get_hex(p + 17, 4, &b) || !get_hex(p + 21, 8, &c)) return 0;
  *t = a;
  *sender = (int)b;
  *seq = (uint32_t)c;
  return 1;
}

/* ---------- sending ---------- */

static void send_one(conn *c) {
  uint64_t t = now_ns();
  uint32_t seq = c->seq++;
  if (c->dialect == D_LAB) {
    conn *to = &conns[c->partner];
    size_t nl = strlen(to->name);
    unsigned char *p = out_reserve(c, 5 + nl + 1 + body + 1);
    memcpy(p, "SEND ", 5);
    memcpy(p + 5, to->name, nl);
    p[5 + nl] = ' ';
    put_body(p + 6 + nl, c->idx, seq, t);
    p[6 + nl + body] = '\n';
  } else if (c->dialect == D_GOWING) {
    put_body(frame_start(c, 2, body), c->idx, seq, t);
  } else if (c->dialect == D_BCS) {
    put_body(frame_start(c, 2, body), c->idx, seq, t); /* send: string = len:u16 | bytes */
  } else if (c->dialect == D_IRC) {
    size_t cl = sizeof IRC_CHANNEL - 1;
    unsigned char *p = out_reserve(c, 8 + cl + 2 + body + 2);
    memcpy(p, "PRIVMSG ", 8);
    memcpy(p + 8, IRC_CHANNEL, cl);
    memcpy(p + 8 + cl, " :", 2);
    put_body(p + 10 + cl, c->idx, seq, t);
    memcpy(p + 10 + cl + body, "\r\n", 2);
  } else {
    put_body(frame_start(c, 20, body), c->idx, seq, t); /* PUBLIC */
  }
  if (mode == M_FANOUT) {
    int s = seq % window_;
    c->slot_seq[s] = seq;
    c->slot_t[s] = t;
    c->slot_cnt[s] = 0;
  }
  c->inflight++;
  if (phase == 2) sends_m++;
}

static int fanout_needed(void) { return dialect == D_UDP ? members : members - 1; }

static void fill_window(conn *c) {
  if (phase == 0 || phase == 3 || c->state != S_IN) return;
  while (c->inflight < window_) send_one(c);
}

/* a fan-out delivery of (sender, seq) reached one member */
static void fanout_got(int sender, uint32_t seq) {
  if (sender < 0 || sender >= senders) return;
  conn *s = &conns[sender];
  int k = seq % window_;
  if (s->slot_seq[k] != seq || s->slot_cnt[k] < 0) return; /* timed out already */
  if (++s->slot_cnt[k] >= fanout_needed()) {
    s->slot_cnt[k] = -1;
    s->inflight--;
    fill_window(s);
  }
}

/* the time the bytes being parsed were read: one clock read per recv, not per message */
static uint64_t read_now;

static void got_message(conn *c, const unsigned char *p, size_t n) {
  uint64_t t;
  int sender;
  uint32_t seq;
  if (!parse_body(p, n, &t, &sender, &seq)) return;
  record_latency(t, read_now);
  deliveries_all++;
  if (phase == 2) deliveries_m++;
  if (mode == M_FANOUT) fanout_got(sender, seq);
  (void)c;
}

/* ---------- login ---------- */

static void logged_in_one(conn *c) {
  if (c->state == S_IN) return;
  c->state = S_IN;
  connecting_now--;
  logged_in++;
  uint64_t d = now_ns() - c->t_connect;
  hist_add(login_hist_fine, login_hist_coarse, d);
  login_n++;
  if (d > login_max_ns) login_max_ns = d;
}

static void send_login(conn *c) {
  size_t nl = strlen(c->name);
  c->t_login_sent = now_ns();
  if (c->dialect == D_LAB) {
    unsigned char *p = out_reserve(c, 11 + nl + 1);
    memcpy(p, "HELLO-FROM ", 11);
    memcpy(p + 11, c->name, nl);
    p[11 + nl] = '\n';
  } else if (c->dialect == D_GOWING) {
    memcpy(frame_start(c, 0, nl), c->name, nl); /* JOIN */
  } else if (c->dialect == D_BCS) {
    memcpy(frame_start(c, 1, nl), c->name, nl); /* register */
  } else if (c->dialect == D_IRC) {
    char buf[256];
    int sender = mode == M_FANOUT && c->idx < senders;
    int n = snprintf(buf, sizeof buf, "NICK %s\r\nUSER %s 0 * :%s\r\n%s%s%s%sJOIN %s\r\n", c->name, c->name, c->name,
                     sender ? "OPER bench bench\r\nMODE " : "", sender ? c->name : "", sender ? " +F" : "",
                     sender ? "\r\n" : "", IRC_CHANNEL);
    memcpy(out_reserve(c, n), buf, n);
  } else {
    memcpy(frame_start(c, 11, nl), c->name, nl); /* REGISTER */
  }
  c->state = S_LOGIN_SENT;
}

/* the HTTP upgrade to /ws/<dialect>; the login follows its 101 */
static void send_upgrade(conn *c) {
  char buf[512];
  int n = snprintf(buf, sizeof buf,
                   "GET /ws/%s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   DNAME[c->dialect], host, web_port);
  memcpy(wout_reserve(c, n), buf, n);
  mark_dirty(c);
  c->state = S_UPGRADING;
}

static void start_session(conn *c) {
  if (uses_ws(c)) send_upgrade(c);
  else send_login(c);
}

static void open_conn(conn *c) {
  int udp = c->dialect == D_UDP;
  int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s (raise the open-file limit)", strerror(errno));
  if (!udp) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    int sz = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  }
  c->fd = fd;
  c->t_connect = now_ns();
  if (!t_first_connect) t_first_connect = c->t_connect;
  connecting_now++;
  const struct sockaddr_in *to = uses_ws(c) ? &web_addr : (second_port && (c->idx & 1)) ? &second_addr : &addr[c->dialect];
  int r = connect(fd, (const struct sockaddr *)to, sizeof *to);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = c->idx};
  if (r == 0) {
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    start_session(c);
  } else if (errno == EINPROGRESS) {
    c->state = S_CONNECTING;
    c->want_out = 1;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  } else {
    die("connect %s: %s", DNAME[c->dialect], strerror(errno));
  }
}

/* ---------- parsing ---------- */

static void lab_line(conn *c, unsigned char *l, size_t n) {
  if (n > 0 && l[n - 1] == '\r') n--;
  if (n >= 9 && memcmp(l, "DELIVERY ", 9) == 0) {
    unsigned char *sp = memchr(l + 9, ' ', n - 9);
    if (sp) got_message(c, sp + 1, l + n - sp - 1);
  } else if (n == 7 && memcmp(l, "SEND-OK", 7) == 0) {
    if (phase == 2) send_ok_m++;
    c->inflight--;
    fill_window(c);
  } else if (n >= 6 && memcmp(l, "HELLO ", 6) == 0) {
    logged_in_one(c);
  } else if (n >= 8 && memcmp(l, "LIST-OK", 7) == 0) {
  } else {
    errors_seen++;
    if (errors_seen <= 5) fprintf(stderr, "gen: lab %s got %.*s\n", c->name, (int)(n > 80 ? 80 : n), l);
    if (n >= 13 && memcmp(l, "BAD-DEST-USER", 13) == 0) {
      c->inflight--;
      fill_window(c);
    }
  }
}

/* one IRC line from the server: ":prefix COMMAND params" */
static void irc_line(conn *c, unsigned char *l, size_t n) {
  if (n > 0 && l[n - 1] == '\r') n--;
  unsigned char *e = l + n, *cmd = l, *nick = NULL;
  size_t nickl = 0;
  if (n > 0 && l[0] == ':') {
    unsigned char *sp = memchr(l, ' ', n);
    if (!sp) return;
    nick = l + 1;
    unsigned char *bang = memchr(nick, '!', sp - nick);
    nickl = (bang ? bang : sp) - nick;
    cmd = sp + 1;
  }
  unsigned char *cend = memchr(cmd, ' ', e - cmd);
  if (!cend) cend = e;
  size_t cl = cend - cmd;
  if (cl == 7 && memcmp(cmd, "PRIVMSG", 7) == 0) {
    unsigned char *colon = memmem(cend, e - cend, " :", 2);
    if (colon) got_message(c, colon + 2, e - colon - 2);
  } else if (cl == 4 && memcmp(cmd, "JOIN", 4) == 0) {
    if (nick && nickl == strlen(c->name) && memcmp(nick, c->name, nickl) == 0) logged_in_one(c);
  } else if (cl == 4 && memcmp(cmd, "PING", 4) == 0) {
    unsigned char *p = out_reserve(c, 2 + (e - cmd) + 2);
    memcpy(p, "PO", 2);
    memcpy(p + 2, cmd + 2, e - cmd - 2);
    memcpy(p + (e - cmd), "\r\n", 2);
  } else if ((cl == 3 && cmd[0] >= '4' && cmd[0] <= '5') || (cl == 5 && memcmp(cmd, "ERROR", 5) == 0)) {
    errors_seen++;
    if (errors_seen <= 5) fprintf(stderr, "gen: irc %s got %.*s\n", c->name, (int)(n > 120 ? 120 : n), l);
  }
}

/* gowing's JOIN reply is one raw status byte, not a frame (docs/gowing.md) */
static void gowing_status(conn *c, int status) {
  if (status == 0) logged_in_one(c);
  else {
    errors_seen++;
    fprintf(stderr, "gen: gowing JOIN %s refused (%d)\n", c->name, status);
  }
}

static void gowing_frame(conn *c, int type, unsigned char *p, size_t n) {
  if (type == 2 || type == 4) {
    unsigned char *e = memchr(p, ']', n);
    if (e && e + 2 <= p + n) got_message(c, e + 2, p + n - e - 2);
  } else if (type == 5) {
    errors_seen++;
    if (errors_seen <= 5) fprintf(stderr, "gen: gowing %s ERROR %.*s\n", c->name, (int)n, p);
  }
}

/* bcs: returns bytes consumed, 0 when incomplete */
static size_t bcs_frame(conn *c, unsigned char *p, size_t n) {
  if (n < 1) return 0;
  int type = p[0];
  if (type == 4) { /* status code:u8 string */
    if (n < 4) return 0;
    size_t l = p[2] << 8 | p[3];
    if (n < 4 + l) return 0;
    if (c->state == S_LOGIN_SENT) {
      if (p[1] == 0) logged_in_one(c);
      else {
        errors_seen++;
        fprintf(stderr, "gen: bcs register %s refused (%d)\n", c->name, p[1]);
      }
    } else if (p[1] != 0) {
      errors_seen++;
      if (errors_seen <= 5) fprintf(stderr, "gen: bcs %s status %d %.*s\n", c->name, p[1], (int)l, p + 4);
    }
    return 4 + l;
  }
  if (type == 3 || type == 6) { /* deliver from message / fnotify user file: ack it */
    if (n < 3) return 0;
    size_t l1 = p[1] << 8 | p[2];
    if (n < 3 + l1 + 2) return 0;
    size_t l2 = p[3 + l1] << 8 | p[4 + l1];
    if (n < 5 + l1 + l2) return 0;
    unsigned char *a = out_reserve(c, 4);
    a[0] = 4, a[1] = 0, a[2] = 0, a[3] = 0;
    if (type == 3) got_message(c, p + 5 + l1, l2);
    return 5 + l1 + l2;
  }
  if (type == 8) { /* recvfile: never asked for */
    if (n < 5) return 0;
    size_t l = (size_t)p[1] << 24 | p[2] << 16 | p[3] << 8 | p[4];
    if (n < 5 + l) return 0;
    return 5 + l;
  }
  conn_dead(c, "unknown bcs frame");
  return 0;
}

static void udp_datagram(conn *c, unsigned char *p, size_t n) {
  if (n < 3) return;
  int op = p[0];
  size_t l = p[1] << 8 | p[2];
  if (3 + l != n) return;
  p += 3;
  if (op == 0) {
    if (c->state == S_LOGIN_SENT) logged_in_one(c);
  } else if (op == 21 || op == 23) {
    unsigned char *z = memchr(p, 0, l);
    if (z) got_message(c, z + 1, p + l - z - 1);
  } else if (op == 1) {
    errors_seen++;
    if (errors_seen <= 5) fprintf(stderr, "gen: udp %s Error %.*s\n", c->name, (int)l, p);
  }
}

static void parse_input(conn *c) {
  size_t off = 0;
  unsigned char *b = c->in;
  while (off < c->inlen && c->state != S_DEAD) {
    unsigned char *p = b + off;
    size_t n = c->inlen - off;
    if (c->dialect == D_LAB || c->dialect == D_IRC) {
      unsigned char *nl = memchr(p, '\n', n);
      if (!nl) break;
      if (c->dialect == D_LAB) lab_line(c, p, nl - p);
      else irc_line(c, p, nl - p);
      off += nl - p + 1;
    } else if (c->dialect == D_GOWING) {
      if (c->state == S_LOGIN_SENT) {
        gowing_status(c, p[0]);
        off += 1;
        continue;
      }
      if (n < 3) break;
      size_t l = p[1] << 8 | p[2];
      if (n < 3 + l) break;
      gowing_frame(c, p[0], p + 3, l);
      off += 3 + l;
    } else {
      size_t used = bcs_frame(c, p, n);
      if (!used) break;
      off += used;
    }
  }
  if (c->state == S_DEAD) return;
  if (off == 0 && c->inlen == INCAP) {
    conn_dead(c, "frame larger than the input buffer");
    return;
  }
  memmove(b, b + off, c->inlen - off);
  c->inlen -= off;
}

/* a binary message's payload: into the dialect's parser, as TCP bytes would go */
static void ws_payload(conn *c, const unsigned char *p, size_t n) {
  while (n > 0 && c->state != S_DEAD) {
    size_t room = INCAP - c->inlen;
    if (room == 0) {
      conn_dead(c, "frame larger than the input buffer");
      return;
    }
    size_t k = n < room ? n : room;
    memcpy(c->in + c->inlen, p, k);
    c->inlen += k;
    p += k;
    n -= k;
    parse_input(c);
  }
}

/* the WebSocket bytes read: the upgrade's answer, then frames */
static void ws_input(conn *c) {
  size_t off = 0;
  unsigned char *b = c->win;
  if (c->state == S_UPGRADING) {
    unsigned char *end = memmem(b, c->winlen, "\r\n\r\n", 4);
    if (!end) {
      if (c->winlen == WINCAP) conn_dead(c, "no end of the upgrade's answer");
      return;
    }
    if (c->winlen < 12 || memcmp(b, "HTTP/1.1 101", 12) != 0) {
      fprintf(stderr, "gen: upgrade refused: %.*s\n", (int)(end - b > 80 ? 80 : end - b), b);
      conn_dead(c, "upgrade refused");
      return;
    }
    off = end + 4 - b;
    send_login(c);
  }
  while (c->state != S_DEAD) {
    size_t n = c->winlen - off;
    unsigned char *p = b + off;
    if (n < 2) break;
    int opcode = p[0] & 0x0f, masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    size_t hl = 2;
    if (len == 126) {
      if (n < 4) break;
      len = (uint64_t)p[2] << 8 | p[3];
      hl = 4;
    } else if (len == 127) {
      if (n < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
      hl = 10;
    }
    if (masked) hl += 4;
    if (len > WINCAP - 14) {
      conn_dead(c, "WebSocket message larger than the buffer");
      return;
    }
    if (n < hl + len) break;
    unsigned char *payload = p + hl;
    if (masked) /* servers do not mask, but a frame is read as it comes */
      for (uint64_t i = 0; i < len; i++) payload[i] ^= p[hl - 4 + (i & 3)];
    off += hl + len;
    if (opcode == 2 || opcode == 0) ws_payload(c, payload, len);
    else if (opcode == 9) {
      ws_frame(c, 10, payload, len);
      mark_dirty(c);
    } else if (opcode == 8) {
      conn_dead(c, "WebSocket closed by the server");
      return;
    } else if (opcode == 1) {
      conn_dead(c, "a text message");
      return;
    }
  }
  if (c->state == S_DEAD) return;
  memmove(b, b + off, c->winlen - off);
  c->winlen -= off;
}

static void on_readable(conn *c) {
  if (c->dialect == D_UDP) {
    unsigned char buf[2048];
    for (int i = 0; i < 64; i++) {
      ssize_t r = recv(c->fd, buf, sizeof buf, 0);
      if (r < 0) break;
      read_now = now_ns();
      udp_datagram(c, buf, r);
    }
    return;
  }
  if (uses_ws(c)) {
    for (int i = 0; i < 8; i++) {
      ssize_t r = recv(c->fd, c->win + c->winlen, WINCAP - c->winlen, 0);
      if (r == 0) {
        conn_dead(c, "closed by the server");
        return;
      }
      if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        conn_dead(c, strerror(errno));
        return;
      }
      c->winlen += r;
      read_now = now_ns();
      ws_input(c);
      if (c->state == S_DEAD) return;
    }
    return;
  }
  for (int i = 0; i < 8; i++) {
    ssize_t r = recv(c->fd, c->in + c->inlen, INCAP - c->inlen, 0);
    if (r == 0) {
      conn_dead(c, "closed by the server");
      return;
    }
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      conn_dead(c, strerror(errno));
      return;
    }
    c->inlen += r;
    read_now = now_ns();
    parse_input(c);
    if (c->state == S_DEAD) return;
  }
}

/* ---------- set-up ---------- */

static void setup_conns(void) {
  if (mode == M_DM) nconns = 2 * pairs;
  else if (mode == M_FANOUT) nconns = members;
  else nconns = clients;
  conns = calloc(nconns, sizeof *conns);
  dirty_list = calloc(nconns, sizeof *dirty_list);
  for (int i = 0; i < nconns; i++) {
    conn *c = &conns[i];
    c->idx = i;
    c->fd = -1;
    c->dialect = mixed ? i % D_MIXED : dialect;
    c->state = S_FREE;
    snprintf(c->name, sizeof c->name, "%c%d", DNAME[c->dialect][0], i);
    if (c->dialect != D_UDP) c->in = malloc(INCAP);
    if (uses_ws(c)) c->win = malloc(WINCAP);
    if (mode == M_DM) c->partner = i ^ 1;
    if (mode == M_FANOUT && i < senders) {
      c->slot_seq = calloc(window_, sizeof *c->slot_seq);
      c->slot_t = calloc(window_, sizeof *c->slot_t);
      c->slot_cnt = calloc(window_, sizeof *c->slot_cnt);
      for (int k = 0; k < window_; k++) c->slot_cnt[k] = -1;
    }
  }
}

static void start_traffic(void) {
  int n = mode == M_DM ? nconns : mode == M_FANOUT ? senders : 0;
  for (int i = 0; i < n; i++) fill_window(&conns[i]);
}

/* udp: REGISTER again when the OK was lost; fan-out: give up on a message after 2 s */
static void periodic(uint64_t now) {
  for (int i = 0; i < nconns; i++) {
    conn *c = &conns[i];
    if (c->dialect == D_UDP && c->state == S_LOGIN_SENT && now - c->t_login_sent > 500000000ull) send_login(c);
  }
  if (mode == M_FANOUT && phase >= 1 && phase <= 2) {
    for (int i = 0; i < senders; i++) {
      conn *s = &conns[i];
      for (int k = 0; k < window_; k++) {
        if (s->slot_cnt[k] >= 0 && now - s->slot_t[k] > 2000000000ull) {
          s->slot_cnt[k] = -1;
          s->inflight--;
          lost++;
        }
      }
      fill_window(s);
    }
  }
}

static void print_result(void) {
  double secs = (t_mend - t_mstart) / 1e9;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("RESULT {\"mode\":\"%s\",\"dialect\":\"%s\",\"clients\":%d,\"logged_in\":%d,"
         "\"login_ms\":%.1f,\"login_p50_ms\":%.3f,\"login_p99_ms\":%.3f,\"login_max_ms\":%.3f,"
         "\"measure_s\":%.3f,\"sends\":%llu,\"send_oks\":%llu,\"deliveries\":%llu,\"deliveries_per_s\":%.1f,"
         "\"latency_samples\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
         "\"lost\":%llu,\"disconnected\":%llu,\"errors\":%llu}\n",
         mode == M_DM ? "dm" : mode == M_FANOUT ? "fanout" : "idle", mixed ? "mixed" : DNAME[dialect], nconns,
         logged_in, t_all_in ? (t_all_in - t_first_connect) / 1e6 : -1.0,
         hist_pct(login_hist_fine, login_hist_coarse, login_n, 0.5) / 1000,
         hist_pct(login_hist_fine, login_hist_coarse, login_n, 0.99) / 1000, login_max_ns / 1e6, secs,
         (unsigned long long)sends_m, (unsigned long long)send_ok_m, (unsigned long long)deliveries_m,
         secs > 0 ? deliveries_m / secs : 0.0, (unsigned long long)hist_n,
         hist_pct(hist_fine, hist_coarse, hist_n, 0.5), hist_pct(hist_fine, hist_coarse, hist_n, 0.99),
         lat_max_ns / 1e3, (unsigned long long)lost, (unsigned long long)disconnected,
         (unsigned long long)errors_seen);
  fflush(stdout);
}

static void usage(void) {
  fprintf(stderr,
          "usage: gen --mode dm|fanout|idle --dialect lab|gowing|bcs|udp|irc|mixed [--host H]\n"
          "  [--lab-port N] [--gowing-port N] [--bcs-port N] [--udp-port N] [--irc-port N]\n"
          "  [--transport tcp|ws --web-port N] [--second-port N]\n"
          "  [--pairs P] [--window W] [--members M] [--senders S] [--clients N] [--body B]\n"
          "  [--warmup S] [--measure S] [--login-deadline S] [--concurrency C]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (i + 1 >= argc) usage();
    const char *v = argv[++i];
    if (!strcmp(a, "--mode")) mode = !strcmp(v, "dm") ? M_DM : !strcmp(v, "fanout") ? M_FANOUT : !strcmp(v, "idle") ? M_IDLE : (usage(), 0);
    else if (!strcmp(a, "--dialect")) {
      if (!strcmp(v, "mixed")) mixed = 1;
      else {
        int found = -1;
        for (int d = 0; d < D_COUNT; d++)
          if (!strcmp(v, DNAME[d])) found = d;
        if (found < 0) usage();
        dialect = found;
      }
    } else if (!strcmp(a, "--host")) host = v;
    else if (!strcmp(a, "--lab-port")) port[D_LAB] = atoi(v);
    else if (!strcmp(a, "--gowing-port")) port[D_GOWING] = atoi(v);
    else if (!strcmp(a, "--bcs-port")) port[D_BCS] = atoi(v);
    else if (!strcmp(a, "--udp-port")) port[D_UDP] = atoi(v);
    else if (!strcmp(a, "--irc-port")) port[D_IRC] = atoi(v);
    else if (!strcmp(a, "--second-port")) second_port = atoi(v);
    else if (!strcmp(a, "--pairs")) pairs = atoi(v);
    else if (!strcmp(a, "--window")) window_ = atoi(v);
    else if (!strcmp(a, "--members")) members = atoi(v);
    else if (!strcmp(a, "--senders")) senders = atoi(v);
    else if (!strcmp(a, "--clients")) clients = atoi(v);
    else if (!strcmp(a, "--body")) body = atoi(v);
    else if (!strcmp(a, "--warmup")) warmup = atof(v);
    else if (!strcmp(a, "--measure")) measure = atof(v);
    else if (!strcmp(a, "--login-deadline")) login_deadline = atof(v);
    else if (!strcmp(a, "--concurrency")) concurrency = atoi(v);
    else if (!strcmp(a, "--transport")) ws = !strcmp(v, "ws") ? 1 : !strcmp(v, "tcp") ? 0 : (usage(), 0);
    else if (!strcmp(a, "--web-port")) web_port = atoi(v);
    else usage();
  }
  if (body < STAMP || body > 4096) die("--body must be %d..4096", STAMP);
  if (window_ < 1 || window_ > MAXW) die("--window must be 1..%d", MAXW);
  if (mode == M_DM && mixed) die("dm is lab only");
  if (dialect == D_IRC && mode != M_FANOUT) die("irc is fan-out only");
  if (mode == M_DM) dialect = D_LAB;
  if (senders > members) senders = members;
  for (int d = 0; d < D_COUNT; d++) {
    addr[d].sin_family = AF_INET;
    addr[d].sin_port = htons(port[d]);
    if (inet_pton(AF_INET, host, &addr[d].sin_addr) != 1) die("bad host %s", host);
  }
  if (ws && (dialect == D_IRC || !web_port)) die("--transport ws needs --web-port, and a dialect of the server");
  second_addr.sin_family = AF_INET;
  second_addr.sin_port = htons(second_port);
  if (inet_pton(AF_INET, host, &second_addr.sin_addr) != 1) die("bad host %s", host);
  if (second_port && (ws || mixed)) die("--second-port is for one dialect over its own transport");
  web_addr.sin_family = AF_INET;
  web_addr.sin_port = htons(web_port);
  if (inet_pton(AF_INET, host, &web_addr.sin_addr) != 1) die("bad host %s", host);
  for (int d = 0; d < D_COUNT; d++)
    if (((mixed && d < D_MIXED) || (!mixed && d == dialect)) && !port[d] && !(ws && d != D_UDP)) die("--%s-port is needed", DNAME[d]);

  ep = epoll_create1(EPOLL_CLOEXEC);
  setup_conns();
  struct epoll_event evs[1024];
  uint64_t start = now_ns(), last_periodic = start;
  t_deadline = start + (uint64_t)(login_deadline * 1e9);

  while (phase < 3) {
    /* login phase: keep at most `concurrency` logins in progress (the listen backlog) */
    while (phase == 0 && next_to_connect < nconns && connecting_now < concurrency) open_conn(&conns[next_to_connect++]);

    int n = epoll_wait(ep, evs, 1024, 5);
    for (int i = 0; i < n; i++) {
      conn *c = &conns[evs[i].data.u32];
      if (c->state == S_DEAD) continue;
      uint32_t e = evs[i].events;
      if (c->state == S_CONNECTING && (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
          conn_dead(c, strerror(err));
          continue;
        }
        start_session(c);
      }
      if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
      if (c->state != S_DEAD && (e & EPOLLOUT)) mark_dirty(c);
    }
    for (int i = 0; i < ndirty; i++) flush(&conns[dirty_list[i]]);
    ndirty = 0;

    uint64_t now = now_ns();
    if (now - last_periodic > 100000000ull) {
      periodic(now);
      last_periodic = now;
      for (int i = 0; i < ndirty; i++) flush(&conns[dirty_list[i]]);
      ndirty = 0;
    }
    if (phase == 0) {
      int settled = next_to_connect == nconns && connecting_now <= 0;
      if (logged_in == nconns || settled || now > t_deadline) {
        t_all_in = now;
        printf("LOGGED_IN %.1f %d\n", (now - t_first_connect) / 1e6, logged_in);
        fflush(stdout);
        if (logged_in < nconns) fprintf(stderr, "gen: only %d of %d clients logged in\n", logged_in, nconns);
        phase = 1;
        t_mstart = now + (uint64_t)(warmup * 1e9);
        t_mend = t_mstart + (uint64_t)(measure * 1e9);
        start_traffic();
        for (int i = 0; i < ndirty; i++) flush(&conns[dirty_list[i]]);
        ndirty = 0;
      }
    } else if (phase == 1 && now >= t_mstart) {
      phase = 2;
      t_mstart = now;
      t_mend = now + (uint64_t)(measure * 1e9);
      printf("MEASURE_START\n");
      fflush(stdout);
    } else if (phase == 2 && now >= t_mend) {
      t_mend = now;
      phase = 3;
      printf("MEASURE_END\n");
      fflush(stdout);
    }
  }
  print_result();
  /* close with RST (linger 0) so 10,000 closes leave no TIME_WAIT ports behind */
  for (int i = 0; i < nconns; i++) {
    conn *c = &conns[i];
    if (c->fd >= 0 && c->state != S_DEAD) {
      struct linger lg = {1, 0};
      if (c->dialect != D_UDP) setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(c->fd);
    }
  }
  return 0;
}
