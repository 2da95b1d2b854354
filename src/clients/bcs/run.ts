// Placeholder until the bcs client lands (being written now).
export interface BcsClientOptions {
  host: string;
  port: number;
  username: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function runBcsClient(_options: BcsClientOptions): Promise<number> {
  throw new Error("not yet");
}
