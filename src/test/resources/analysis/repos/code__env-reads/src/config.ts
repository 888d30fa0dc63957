export const apiKey = process.env.NOTIFY_API_KEY;
export const region = process.env["NOTIFY_REGION"] ?? "eu";
export const home = process.env.HOME;
if (!apiKey) {
  throw new Error("NOTIFY_API_KEY environment variable is required");
}
