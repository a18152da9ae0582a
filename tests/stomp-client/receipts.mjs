// Connects to kaftop's STOMP endpoint as a user, subscribes to that user's read
// receipts and prints each receipt's body as one JSON line on stdout.
//
//   node receipts.mjs --url ws://127.0.0.1:8086/ws --user 100 [--count 1]
//                     [--destination /user/topic/read-receipts] [--id-header login]
//                     [--timeout-ms 60000]
//
// Prints `subscribed` once the server has acknowledged the subscription (a RECEIPT),
// then one line per receipt; after --count receipts it disconnects (DISCONNECT with a
// receipt) and exits 0. Exits 1 on a STOMP ERROR frame, a closed socket (printing
// `closed CODE` first) or the timeout.
//
//   node receipts.mjs --json --url 'ws://127.0.0.1:8086/ws/read-receipts?userId=100'
//
// reads the plain JSON stream instead (no STOMP): prints `subscribed` when the socket
// is open, then each text message.
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a === '--json') pairs.push(['json', true]);
    else if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const url = args.url ?? 'ws://127.0.0.1:8086/ws';
const user = args.user;
const count = Number(args.count ?? 1);
const destination = args.destination ?? '/user/topic/read-receipts';
const idHeader = args['id-header'] ?? 'login';
const timeoutMs = Number(args['timeout-ms'] ?? 60000);
if (!user && !args.json) {
  console.error('usage: node receipts.mjs --url ws://HOST:PORT/ws --user ID [--count N]');
  process.exit(2);
}

const fail = (why) => {
  console.error(`stomp client: ${why}`);
  process.exit(1);
};
setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs).unref();

let received = 0;

if (args.json) {
  const socket = new WebSocket(url);
  socket.on('open', () => console.log('subscribed'));
  socket.on('message', (data) => {
    console.log(data.toString());
    received += 1;
    if (received >= count) {
      socket.close(1000);
      process.exit(0);
    }
  });
  socket.on('close', (code) => {
    console.log(`closed ${code}`);
    fail(`socket closed (${code}) after ${received} receipts`);
  });
  socket.on('error', (e) => fail(`socket error: ${e.message}`));
} else {
  stomp();
}

function stomp() {
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    // The user id: kaftop reads it from `login` (or a `user-id` header).
    connectHeaders: { [idHeader]: String(user) },
    reconnectDelay: 0,
    onConnect: (frame) => {
      console.error(`stomp client: connected, version ${frame.headers.version}`);
      const receipt = `sub-${user}`;
      client.watchForReceipt(receipt, () => console.log('subscribed'));
      client.subscribe(
        destination,
        (message) => {
          console.log(message.body);
          received += 1;
          if (received >= count) {
            client.deactivate().then(() => process.exit(0));
          }
        },
        { receipt },
      );
    },
    onStompError: (frame) => fail(`ERROR frame: ${frame.headers.message}: ${frame.body}`),
    onWebSocketClose: (event) => {
      if (received < count) {
        console.log(`closed ${event.code}`);
        fail(`socket closed (${event.code}) after ${received} receipts`);
      }
    },
  });
  client.activate();
}
