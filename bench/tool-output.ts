/** What wrk and iperf3 print, read into numbers; anything unexpected is an error that quotes the output. */

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** connect, read, write and timeout errors, plus non-2xx/3xx answers */
  errors: number;
}

export function parseWrk(output: string): WrkResult {
  const summary = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),/m.exec(output);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!summary || !rate) throw new Error(`wrk printed no summary:\n${output}`);
  const unit = { us: 1e-6, ms: 1e-3, s: 1, m: 60 }[summary[3] as 'us' | 'ms' | 's' | 'm'];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requests: Number(summary[1]), seconds: Number(summary[2]) * unit, requestsPerSecond: Number(rate[1]), errors };
}

export interface IperfResult {
  /** what the receiver got, per second */
  bitsPerSecond: number;
  retransmits: number;
}

export function parseIperf(output: string): IperfResult {
  let report: any;
  try {
    report = JSON.parse(output);
  } catch {
    throw new Error(`iperf3 printed no JSON report:\n${output.slice(0, 2000)}`);
  }
  if (report.error) throw new Error(`iperf3: ${report.error}`);
  const received = report.end?.sum_received?.bits_per_second;
  if (typeof received !== 'number') throw new Error('iperf3 report has no end.sum_received.bits_per_second');
  return { bitsPerSecond: received, retransmits: Number(report.end?.sum_sent?.retransmits ?? 0) };
}
