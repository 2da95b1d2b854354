/** `switchboard check client cs262` against our cs262 client on a pipe, both numberings (issue 19). */
import { passesEveryCase } from "../helpers/check-cs262-client.js";

passesEveryCase(false);
