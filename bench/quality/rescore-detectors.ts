/**
 * Re-scores the SEA detectors in bench/results/quality-streamtrain.json without re-running every learner:
 * `tsx bench/quality/rescore-detectors.ts` (same streams and rules as run.ts, see sea-detectors.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { writeQualityTable } from './readme-table.js';
import { DETECTOR_PROTOCOL, detectorSummary, evaluateSeaDetectors } from './sea-detectors.js';
import { loadStream } from './streams.js';

const file = 'bench/results/quality-streamtrain.json';
const data = JSON.parse(readFileSync(file, 'utf8'));
const s = loadStream('sea');
const streams = await evaluateSeaDetectors(s, data.protocol.batchSize);
data.protocol.detectors = DETECTOR_PROTOCOL;
data.detectors = { sea: streams.live.scores, 'sea-frozen': streams.frozen.scores };
data.seaStreams = streams;
Object.assign(data.summary, detectorSummary(streams));
writeFileSync(file, JSON.stringify(data, null, 2));
const summaryPath = 'bench/results/summary.json';
writeFileSync(summaryPath, JSON.stringify({ ...JSON.parse(readFileSync(summaryPath, 'utf8')), ...detectorSummary(streams) }, null, 2) + '\n');
writeQualityTable();
for (const st of [streams.live, streams.frozen]) {
  process.stdout.write(`${st.stream}: segments ${st.segmentErrorRates.join(' ')}; beating the dummy: ${st.beatingDummy.join(', ') || 'none'}\n`);
  for (const d of st.scores)
    process.stdout.write(`  ${d.detector}: ${d.detected}/3, delay ${d.meanDelay ?? '-'}, false alarms ${d.falseAlarms}, F1 ${d.f1.toFixed(3)}\n`);
}
