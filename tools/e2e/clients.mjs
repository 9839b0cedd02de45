// Connects an official client to the emulator, prints "ready" and then every message it gets.
// usage: node clients.mjs webpubsub <client access url> | signalr <negotiate url> <token>
import { WebPubSubClient, WebPubSubJsonProtocol } from "@azure/web-pubsub-client";
import * as signalR from "@microsoft/signalr";

const [kind, url, token] = process.argv.slice(2);
const report = (value) => console.log(JSON.stringify(value));
setTimeout(() => process.exit(2), 20000); // the test's bound: never outlive it

if (kind === "webpubsub") {
  const client = new WebPubSubClient(url, { protocol: WebPubSubJsonProtocol() });
  client.on("server-message", (event) => {
    report(event.message.data);
    if (event.message.data === "bye") process.exit(0);
  });
  client.on("connected", () => report("ready"));
  await client.start();
} else {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on("newMessage", (value) => {
    report(value);
    if (value === "bye") connection.stop().then(() => process.exit(0));
  });
  await connection.start();
  report("ready");
}
