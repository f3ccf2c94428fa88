import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIperf, parseWrk } from './tool-output.js';

const wrkOutput = `Running 5s test @ http://10.96.0.10:8080/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms  412.00us  12.01ms   90.12%
    Req/Sec    13.90k   512.33    14.51k    84.00%
  69184 requests in 5.01s, 80.41MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  13809.45
Transfer/sec:     16.05MB
`;

test('wrk: requests, duration, rate, and every kind of error counted', () => {
  assert.deepEqual(parseWrk(wrkOutput), { requests: 69184, seconds: 5.01, requestsPerSecond: 13809.45, errors: 7 });
  const clean = wrkOutput.replace(/^ {2}(Socket|Non-2xx).*\n/gm, '');
  assert.equal(parseWrk(clean).errors, 0);
});

test('wrk output without its summary is an error, not a zero', () => {
  assert.throws(() => parseWrk('unable to connect to 10.96.0.10:8080 Connection refused\n'), /no summary/);
});

test('iperf3: the receiver side of the JSON report; its own error is passed on', () => {
  const report = { end: { sum_sent: { bits_per_second: 9.9e9, retransmits: 3 }, sum_received: { bits_per_second: 9.8e9 } } };
  assert.deepEqual(parseIperf(JSON.stringify(report, null, 2)), { bitsPerSecond: 9.8e9, retransmits: 3 });
  assert.throws(() => parseIperf(JSON.stringify({ start: {}, error: 'unable to connect to server: Connection refused' })), /unable to connect/);
  assert.throws(() => parseIperf('iperf3: error'), /no JSON/);
});
