import { ConfigError, createLogger, loadConfig } from '../core/index.js';
import { retrain, type RetrainOutcome } from '../pipeline/index.js';
import { EXIT } from './exit-codes.js';

/**
 * `streamtrain retrain --config NEW [--from earliest|TIME] [--race-samples N] [--race-seconds S]`: trains the model
 * of a new config (same `model.name`, store and source topics; a new architecture or feature set) from scratch by
 * replaying the source topics from Kafka, races it against the live model on the records that follow, and makes
 * it the model if it wins. Exit 0: the new major is published and the message says to roll out the new config
 * (instances still on the old one refuse the new major and exit 2); 4: it lost or ran out of time, nothing
 * written; 2 and 3 as for `run`.
 */
export async function retrainCommand(opts: { config: string; from: string; raceSamples?: number; raceSeconds: number }): Promise<number> {
  const config = loadConfig(opts.config);
  const logger = createLogger({ level: config.logLevel });
  const from = opts.from === 'earliest' ? 'earliest' : new Date(opts.from);
  if (from !== 'earliest' && Number.isNaN(from.getTime()))
    throw new ConfigError('--from', `Expected \`--from\` to be \`earliest\` or an ISO time such as 2026-01-31T12:00:00Z, got \`${opts.from}\``);
  const outcome = await retrain({ config, logger, from, raceSamples: opts.raceSamples, raceSeconds: opts.raceSeconds });
  process.stdout.write(report(outcome, config.model.name, opts.config) + '\n');
  return outcome.result === 'promoted' ? EXIT.ok : EXIT.raceLost;
}

/** What the operator reads: the replay, the race's numbers, and what to do next. */
export function report(o: RetrainOutcome, model: string, configPath: string): string {
  const pct = (v: number) => v.toFixed(4);
  const replay = o.plan.map((p) => `${p.topic}:${p.partition} [${p.start}, ${p.stop})`).join(', ');
  const c = o.comparison;
  const lines = [
    `replayed ${o.replayedSamples} samples from scratch: ${replay}`,
    `raced ${o.racedSamples} samples against ${o.racedVersions.join(', ') || 'no live version'}: candidate lead ${pct(c.lead)} over the last ${c.n}, ` +
      `p ${c.pValue.toExponential(2)} (must be < ${o.alpha.toExponential(2)}); mean error over the race: ` +
      `candidate ${pct(o.meanError.candidate)}, live ${pct(o.meanError.live)}`,
  ];
  if (o.result === 'promoted')
    lines.push(
      `the candidate won: ${model} ${o.version} is published (epoch ${o.epoch}); the running writer is fenced at its next write.`,
      `Roll out ${configPath} now: instances still running the old config refuse ${o.version} and exit 2; ` +
        `\`streamtrain run --config ${configPath}\` continues ${o.version} from where the race ended.`,
    );
  else
    lines.push(
      o.result === 'timeout'
        ? 'the race ran out of time (--race-seconds) before its test decided: the live model stays; nothing was written'
        : `the candidate did not win (${o.dropReason ?? 'not better by the margin'}): the live model stays; nothing was written`,
    );
  return lines.join('\n');
}
