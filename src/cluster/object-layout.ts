/**
 * Where a JetStream object store keeps an object (NATS ADR-20, "JetStream based Object
 * Stores"): one stream `OBJ_<bucket>`; the object's record (its JSON info) is the last
 * message on `$O.<bucket>.M.<name, base64url with padding>`, its bytes the messages on
 * `$O.<bucket>.C.<the record's nuid>`, in order. The client library keeps these names
 * to itself; the file store needs them to read chunks at its own pace and to delete an
 * object without leaving a record behind (docs/cluster.md#files).
 */
import { Base64UrlPaddedCodec } from "@nats-io/obj";

export interface ObjectLayout {
  readonly stream: string;
  /** The subject of an object's chunks, by the nuid of its record. */
  chunkSubject(nuid: string): string;
  /** The subject of an object's record, by the object's name. */
  recordSubject(name: string): string;
}

export function objectLayout(bucket: string): ObjectLayout {
  return {
    stream: `OBJ_${bucket}`,
    chunkSubject: (nuid) => `$O.${bucket}.C.${nuid}`,
    recordSubject: (name) => `$O.${bucket}.M.${Base64UrlPaddedCodec.encode(name)}`,
  };
}
