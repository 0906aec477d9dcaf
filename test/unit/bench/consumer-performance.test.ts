import { describe, expect, it } from 'vitest';
import { consumerPerformanceArgs, parseConsumerPerformance } from '../../../bench/support/java-consumer.js';

// Standard output of Kafka 4.3.1's ConsumerPerformance (kafka-tools from Maven Central) against the local test
// broker, captured as printed: 200,000 records of 150 bytes read with a fresh group.
const COMPLETE = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-02 20:35:25:732, 2026-12-02 20:35:33:682, 28.6102, 3.5988, 200000, 25157.2327, 3364, 4586, 6.2386, 43610.9900
`;

// The same tool asked for more records than it got before its --timeout (2,000 ms): its warning comes between
// the header and the values.
const TIMED_OUT = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
WARNING: Exiting before consuming the expected number of records: timeout (2000 ms) exceeded. You can use the --timeout option to increase the timeout.
2026-12-02 20:36:38:378, 2026-12-02 20:36:42:572, 0.0000, 0.0000, 0, 0.0000, 0, 4194, 0.0000, 0.0000
`;

describe('parseConsumerPerformance', () => {
  it('reads every column of the summary line', () => {
    expect(parseConsumerPerformance(COMPLETE)).toEqual({
      startTime: '2026-12-02 20:35:25:732',
      endTime: '2026-12-02 20:35:33:682',
      mb: 28.6102,
      mbPerSecond: 3.5988,
      records: 200_000,
      recordsPerSecond: 25157.2327,
      rebalanceMs: 3364,
      fetchMs: 4586,
      fetchMbPerSecond: 6.2386,
      fetchRecordsPerSecond: 43610.99,
    });
  });

  it("the fetch rate is the records over the tool's time less the group join", () => {
    const f = parseConsumerPerformance(COMPLETE);
    expect(f.fetchRecordsPerSecond).toBeCloseTo(f.records / (f.fetchMs / 1000), 1);
    expect(f.recordsPerSecond).toBeCloseTo(f.records / ((f.fetchMs + f.rebalanceMs) / 1000), 1);
  });

  it('skips a warning between the header and the values', () => {
    const f = parseConsumerPerformance(TIMED_OUT);
    expect(f.records).toBe(0);
    expect(f.fetchMs).toBe(4194);
  });

  it('tolerates log lines before the header and CRLF line ends', () => {
    const f = parseConsumerPerformance(`[2026-12-02 20:35:22] INFO something (org.apache.kafka)\r\n${COMPLETE.replace(/\n/g, '\r\n')}`);
    expect(f.records).toBe(200_000);
  });

  it('throws when there is no summary', () => {
    expect(() => parseConsumerPerformance('Exception in thread "main" java.lang.NoClassDefFoundError: net/sourceforge/argparse4j')).toThrow(
      /No ConsumerPerformance summary/,
    );
    expect(() => parseConsumerPerformance(COMPLETE.split('\n')[0] as string)).toThrow(/No ConsumerPerformance summary/);
  });

  it('throws when a figure is not a number', () => {
    expect(() => parseConsumerPerformance(COMPLETE.replace('43610.9900', 'NaN'))).toThrow(/fetch.nMsg.sec is not a number/);
  });

  it('throws when a column it needs is gone', () => {
    const renamed = COMPLETE.replace('fetch.time.ms', 'fetch.duration.ms');
    expect(() => parseConsumerPerformance(renamed)).toThrow(/lacks fetch.time.ms/);
  });
});

describe('consumerPerformanceArgs', () => {
  it('runs the tool on the given topic, group and count with the broker jars on the class path', () => {
    const args = consumerPerformanceArgs({
      tool: { libs: '/cache/kafka-4.3.1/libs', version: '4.3.1' },
      brokers: ['127.0.0.1:49092'],
      topic: 'run.source',
      group: 'run-java-1',
      n: 1000,
      timeoutMs: 120_000,
    });
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('-cp')).toBe('/cache/kafka-4.3.1/libs/*');
    expect(args).toContain('org.apache.kafka.tools.ConsumerPerformance');
    expect(after('--bootstrap-server')).toBe('127.0.0.1:49092');
    expect(after('--topic')).toBe('run.source');
    expect(after('--group')).toBe('run-java-1');
    expect(after('--num-records')).toBe('1000');
    expect(after('--timeout')).toBe('30000');
    expect(args).not.toContain('--show-detailed-stats');
  });
});
