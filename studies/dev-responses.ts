/**
 * `npx tsx studies/dev-responses.ts [part]` (`--help` lists the parts; race, streams, averaging and defaults by
 * default): how the drift responses' defaults were chosen, never on the benchmark's Elec2 and SEA files. Writes
 * studies/results/dev-responses.json. The parts a decision cites; studies/README.md lists the parts deleted (their
 * numbers are kept, and so are their results in the JSON).
 *
 * 1. **race**: operating characteristics of challenger-race rules, by simulation. Champion and challenger make
 *    independent 0/1 errors at fixed rates (the challenger optionally warming up from 0.5 like a model from
 *    scratch); 1,000 seeded races per case with the default race settings (looks every 1,000 pairs, at most
 *    20,000, margin 0.01, alpha 0.01). Reported per rule: the promotion rate and the mean race length. The rule
 *    `Race` implements is run through `Race` itself; the alternatives are written out here.
 * 2. **streams**: the responses on development streams from the project's own generators, with seeds, concept
 *    orders and drift shapes the benchmark does not use:
 *    - sea-abrupt: SEA concepts, seed 101, thresholds 9 -> 7 -> 9.5 -> 8, abrupt changes every 7,500;
 *    - sea-gradual: SEA concepts, seed 102, thresholds 7 -> 9.5 -> 8 -> 9, changes over 1,000 records;
 *    - hyperplane: rotating hyperplane, seed 103, 8 features, continual rotation plus two abrupt redraws;
 *    - sea-stationary: SEA concepts, seed 104, one concept (threshold 8) throughout: any response is a response
 *      to a false alarm, so it measures the harm a response does when nothing changed.
 *    Protocol as in the quality benchmark: logistic regression, Adam, a step per sample, batches of 32, the same
 *    learning-rate grid, best grid point per setting, versions noted on the service's sample-based triggers; SEA
 *    features standardized with the generator's range (uniform on [0, 10)).
 *    Settings: no response; adapt with learningRateFactor {1 (reset only), 2, 5} x forSamples {500, 2000} x
 *    resetOptimizer {true, false}; challenger alone from scratch and from the last version; adapt + challenger
 *    with the chosen defaults.
 *    Weight averaging (`model.averaging`, added after the response study, whose settings keep it off): horizons
 *    {100, 300, 1000, 3000} with no response, and 300 without the restart after a detected rise in error.
 *    Decision rule, fixed before the runs: per setting, the mean over the four streams of the best-grid accuracy;
 *    the highest mean wins, and settings within 0.001 of it count as tied, the tie going to the milder setting
 *    (lower factor, shorter period, no reset). "Do no harm" is checked as the worst stream's difference to no
 *    response.
 * 3. **holdoff**: what a detection does to weight averaging while the hold-off of an earlier restart still runs.
 *    Motivation: on a stream where the error detector fires every few hundred samples, re-arming the hold-off on
 *    every detection means the average never predicts. The four streams above have 1 to 5 detections each and
 *    cannot tell the variants apart, so two streams with frequent detections are added (generated for this study,
 *    calibrated only on how often the current default's detector fires: 14 and 35 times in 30,000 samples):
 *    - hyperplane-redraws: rotating hyperplane, seed 105, 4 features, weights redrawn every 1,000 records (real
 *      changes in quick succession);
 *    - sea-bursty: SEA concepts, seed 106, one concept (threshold 8), no generator noise; labels flipped at 5%,
 *      or 35% during bursts (a two-state Markov chain, into a burst with probability 1/400 per record, out with
 *      1/150): the error rises without the concept changing, like a real stream's bad hours.
 *    Candidates, all at horizon 1,000 with no response: (a) restart on a detected rise, each detection re-arming
 *    the hold-off (the default before this study); (b) restart, but a detection during a hold-off does not extend
 *    it; (c) no restart. No averaging is run for reference only.
 *    Decision rule, fixed before the runs: per candidate, the mean over the six streams of the best-grid accuracy;
 *    the highest mean wins; candidates within 0.001 of it count as tied, the tie going to the milder one, in the
 *    order (c) no restart, (b) restart without re-arming, (a) restart re-arming. Harm is reported as each
 *    candidate's worst stream difference to (a).
 *    Outcome (2026-11-30): (b) 0.8807, (a) 0.8794, (c) 0.8764 (no averaging: 0.8743). (b) wins and is now what
 *    the model manager does; it equals (a) on the four earlier streams and gains on the two new ones
 *    (hyperplane-redraws 0.8656 against 0.8581, sea-bursty 0.8525 against 0.8520).
 * 4. **lag**: restarting the average on evidence that it lags (`model.averaging.restartOnLag`: in blocks of
 *    horizon / 2 samples, a paired test of the trained weights against the average, alpha 0.01) instead of, or as
 *    well as, on a detected rise in error. On sea-bursty (b) still restarts on noise bursts, where not restarting
 *    was best (0.8584); on hyperplane-redraws not restarting cost 0.022. The block and alpha are fixed (half the
 *    horizon; the race's alpha), not tuned. Same six streams, horizon 1,000, no response. Candidates:
 *    (b) restartOnDrift (the default after study 3); (d) restartOnLag alone; (e) both.
 *    Decision rule, fixed before the runs: the highest mean over the six streams wins; candidates within 0.001
 *    of it count as tied, the tie going first to (b) (no extra forward pass per batch), then (d), then (e).
 *    Harm is reported as each candidate's worst stream difference to (b).
 *    Outcome (2026-11-30): (e) 0.8813, (b) 0.8807, (d) 0.8786. (e) is within 0.001 of the best: tied, so (b)
 *    stays the default and restartOnLag stays off. (d) alone was best on sea-bursty (0.8584, no restarts there)
 *    but restarted late on real changes (hyperplane-redraws 0.8548 against 0.8656).
 * 5. **holdoff-length**: how long the trained weights predict alone after a restart (`model.averaging.holdoff`).
 *    The hold-off was set to the horizon by design, never measured; a shorter one starts averaging sooner after a
 *    change (the fresh average covers only post-restart iterates, and its bias correction weighs the first ones
 *    fully). Same six streams, horizon 1,000, restartOnDrift (not re-armed), no response. Candidates: hold-off
 *    1,000 (the default), 500, 250.
 *    Decision rule, fixed before the runs: the highest mean over the six streams wins; candidates within 0.001 of
 *    it count as tied, the tie going to the default (1,000), then 500, then 250. Harm: each candidate's worst
 *    stream difference to 1,000.
 *    Outcome (2026-11-30): 250 0.8824, 1,000 0.8807, 500 0.8806. 250 wins (worst stream: sea-stationary, -0.0003)
 *    and the default is now horizon / 4. It sits at the edge of the grid; shorter hold-offs were not measured.
 * 7. **holdoff-short**: part 5's winner, 250, sat at the edge of its grid. This part extends the grid downwards on
 *    the same six streams, horizon 1,000, restartOnDrift (not re-armed), no response: hold-off 250 (the default,
 *    rerun: it must reproduce part 5's 0.8824), 125, 60 and 0 (no hold-off: a restart only empties the average,
 *    whose bias correction then weighs the first post-restart iterates fully; a new model averages from its first
 *    step).
 *    Decision rule, fixed before the runs: the highest mean over the six streams wins; candidates within 0.001 of
 *    it count as tied, the tie going to the default (250), then 125, then 60, then 0. Harm: each candidate's worst
 *    stream difference to 250. If a shorter hold-off wins, it is confirmed with adapt + challenger as in part 6
 *    (the mean over both rows decides; within 0.001 a tie keeps 250) before the default changes
 *    (part `holdoff-short-responses`: adapt + challenger at the winner and at 250).
 *    Outcome (2026-11-30, run with the typed-array steps of TypedDenseTrainer; the 250 row reproduces part 5's
 *    0.8824): 60 0.8839, 0 0.8830, 125 0.8825, 250 0.8824. 0 is within 0.001 of 60, a tie that goes to 60; 60
 *    wins (worst stream: sea-stationary, -0.0003; sea-abrupt -0.0007; the gain is mostly hyperplane-redraws,
 *    0.8754 against 0.8660).
 * 10. **warmup**: the hold-off of a new model (`model.averaging.warmup`), which parts 5 and 7 set together with
 *    the hold-off after a restart. Motivation: with 60 samples a model from scratch starts averaging while it
 *    still improves fast; the average of its first iterates is worse than the newest ones, the error rises, and
 *    on the benchmark's SEA stream (never decided on) every stateful learner then sees a detection within its
 *    first 400 samples; at lr 0.05 that one started a challenger that raced until sample 20,352 and held the
 *    challenger slot through the real drift at 12,500. Candidates: warmup 60 (= the hold-off, the current
 *    default), 250 and 1,000; hold-off after a restart 60; six streams; two rows each: no response, and adapt +
 *    challenger. Reported too: detections in each stream's first 2,000 samples.
 *    Decision rule, fixed before the runs: per candidate, the mean of its twelve (stream, row) accuracies; the
 *    highest wins; within 0.001 a tie, going to 60 (the current default), then 250.
 *    Outcome (2026-11-30): 250 0.88362, 60 0.88359, 1,000 0.88289 (no response / adapt + challenger: 60 0.8839 /
 *    0.8832, 250 0.8841 / 0.8831, 1,000 0.8835 / 0.8823). 250 and 60 tie: the warm-up stays equal to the
 *    hold-off. The motivation did not hold either: detections in the first 2,000 samples are the same for every
 *    warm-up (1 or 2 on four streams, none on two), so they come from the learning curve itself, not from the
 *    start of averaging.
 * 12. **promotions**: what happens after a challenger is promoted. On the six streams no challenger was ever promoted
 *    (part 8: 26 races, all dropped), so nothing in the challenger's design after a promotion has been measured. On
 *    Elec2 (the benchmark, never decided on) a challenger from scratch won its race and then trailed the displaced
 *    champion by 0.03 for 20,000 samples. A promotion is decided on 1,000 paired samples right after a change; it
 *    can be right for the moment and wrong for what follows. Three streams where the current defaults do promote
 *    are added, from the drift taxonomy the six lack (concept reversal, and recurring concepts). They were
 *    generated and looked at with the incumbent (p) and no response only, before any candidate existed, and
 *    kept because (p) promotes on each (at one grid point or more):
 *    - hp-reversal-permanent: rotating hyperplane, seed 107, 4 features, labels reversed from 12,000 on;
 *    - hp-reversal-transient: rotating hyperplane, seed 108, 4 features, labels reversed in [8,000, 11,000) and
 *      [20,000, 23,000): the old concept comes back;
 *    - sea-reversal-transient: SEA concepts, seed 109, one concept (threshold 8), reversed in the same segments.
 *    Candidates, all adapt + challenger with the current defaults otherwise:
 *    (p) the current design: the displaced champion is dropped;
 *    (q) rollback: the displaced champion keeps learning in the challenger slot and races the new champion under
 *        the same rules (looks, margin, alpha, futility); when it wins it is reinstated, as a new major version
 *        whose parents are the new champion's version and its own last version;
 *    (r) challenger from the last version (`from: last-version`, rejected in part 2 for its compute, on streams
 *        that never promoted).
 *    No response is run for reference (harm is each candidate's worst stream difference to (p)).
 *    Decision rule, fixed before the runs: per candidate, the mean over the nine streams of the best-grid
 *    accuracy; the highest wins; within 0.001 of it a tie, going to (p), then (q), then (r). On the six earlier
 *    streams (q) equals (p) wherever nothing is promoted, so the three new streams carry the decision; this is
 *    stated, not corrected for.
 *    Outcome (2026-11-30): (p) 0.8869, (q) 0.8869, (r) 0.8869: a three-way tie, (p) stays and rollback stays off.
 *    (q) promoted back on sea-bursty (3 of 4 rollback races at lr 0.05) but lost accuracy on hp-reversal-transient
 *    at the lower learning rates, where the rollback race held the challenger slot at the next reversal. No
 *    response gave 0.8892, above all three: the responses cost accuracy on these nine streams.
 * 13. **responses-nine**: part 12's no-response row beat every response row. A diagnosis on hp-reversal-transient
 *    at lr 0.5 (no response 0.8957; adapt alone 0.8816; challenger alone 0.8959; adapt + challenger 0.8811; accuracy
 *    per 1,000 samples) put the loss on adapt: in the 1,000 samples after each reversal, 0.626 with adapt against
 *    0.749 without. Adam's second moment (beta2 0.999) remembers the small gradients from before a change, so
 *    without a reset the first steps after it are larger than lr; a reset makes them lr. The adapt default (reset
 *    only, for 500) was chosen on streams without reversals (parts 2 and 8). This part reruns part 8's response
 *    grid on the nine streams: no response; adapt with learningRateFactor {1 (reset only), 2, 5} x forSamples
 *    {500, 2000} x resetOptimizer {true, false} (factor 1 without reset does nothing and is left out); challenger
 *    alone (from scratch); and adapt + challenger with the adapt setting the rule picks.
 *    Decision rules, fixed before the runs:
 *    (1) adapt: part 8's rule: the highest nine-stream mean among the adapt settings wins; within 0.001, the
 *        milder setting (lower factor, then shorter period, then no reset).
 *    (2) the responses the benchmark's drift row and the documented recommendation use: among adapt + challenger
 *        (current), challenger alone, and adapt alone (each with (1)'s adapt setting), the highest nine-stream mean
 *        wins; within 0.001, the current set. No response is reported next to them; the drift row must respond,
 *        so it cannot win (2), but a response set below it is reported as a cost.
 *    The three reversal streams were chosen for part 12 (promotions), before adapt was suspected; that they also
 *    weigh a third of this decision is stated, not corrected for.
 *    Outcome (2026-11-30): (1) adapt x2 for 500, moments kept: 0.8890 (x2 for 500 with a reset 0.8882; x2 for
 *    2,000 0.8882; x1 for 500 with a reset, the default until now, 0.8869; x5 for 500 0.8855, the lowest). (2)
 *    challenger alone 0.88924, adapt alone 0.88896, adapt + challenger 0.88831: within 0.001 of the best, so the
 *    current set (adapt + challenger) stays. No response: 0.88921. The adapt default is now learningRateFactor 2,
 *    forSamples 500, resetOptimizer false. On the six earlier streams alone the new setting is worse: 0.8817
 *    against 0.8833 for the old (no response 0.8839); the gain is on the reversal streams (hp-reversal-transient 0.9044 against
 *    0.8816), and the largest loss against no response is hyperplane-redraws (0.8692 against 0.8754).
 * 16. **dependent-pairs**: the race's test (McNemar; a paired t-test for regression) treats the paired errors as
 *    independent. Real streams are not: on the benchmark's Elec2 (a diagnostic) the difference between two
 *    models' per-sample errors has autocorrelation 0.53 at lag 1, 0.10 at lag 10 and 0.06 at lag 50 (SEA: 0.00);
 *    runs of disagreement inflate the test statistic and promote challengers that are not better. Temporal
 *    dependence in real streams is documented (Bifet et al. 2013, "Pitfalls in benchmarking data stream
 *    classification and how to avoid them"; Zliobaite 2013 on Elec2); the development streams are independent
 *    within a concept, so they cannot show the effect. Candidate: a batch-means test (the method of batch means
 *    for the variance of a mean of a dependent series): the window's per-sample differences (champion error minus
 *    challenger error) in 20 consecutive blocks, a t-test with 19 degrees of freedom on the block means, two-sided;
 *    the lead is unchanged. The number of blocks is fixed here, not tuned.
 *    Checks and decision rule, fixed before the runs:
 *    (i) level under dependence, by simulation (1,000 seeded races, the default race settings): champion and
 *        challenger equally good, their disagreements in runs (a Markov chain over agree / only the champion wrong
 *        / only the challenger wrong, mean run length 1, 10 and 50, disagreement rate 0.2); the false-promotion
 *        rate of each test is reported;
 *    (ii) power, by the same simulation with independent errors: a challenger 5 and 10 points better (warming up
 *        from 0.5 as part 1's); the promotion rates are reported;
 *    (iii) the nine streams, adapt + challenger, each test.
 *    The batch-means test becomes the default when its false-promotion rate stays at most 0.02 (alpha 0.01 plus
 *    the simulation's slack) at every run length where McNemar's exceeds it, and its nine-stream mean is not
 *    below McNemar's by more than 0.001. Otherwise McNemar stays, and the results are reported.
 *    Outcome (2026-11-30): (i) an equally good challenger is promoted by McNemar in 0.1%, 44.3% and 64.0% of races
 *    at run lengths 1, 10 and 50, by batch means in 0.1%, 0% and 0.9%; (ii) a challenger 5 points better: 93.5%
 *    (McNemar) and 79.9% (batch means), 10 points better: 100% and 100% (2,074 and 2,309 pairs on average);
 *    (iii) nine-stream mean 0.8890 (batch means) against 0.8883 (McNemar; hyperplane-redraws 0.8692 against
 *    0.8617, sea-bursty 0.8491 against 0.8501). Both conditions hold: batch means is the default test.
 * 19. **select**: `model.averaging.select` as built (the average at the horizon, a second at 0.3 x the horizon, the
 *    trained weights; the fewest errors over the last horizon / 2 samples predict, ties to the longer average),
 *    against the current default (off). Nine streams, two rows each: no response, and adapt + challenger.
 *    Decision rule, fixed before the run: per setting, the mean of its eighteen (stream, row) best-grid
 *    accuracies; select becomes the default only if it beats off by more than 0.001; otherwise it stays off.
 *    Outcome (2026-11-30): on 0.8903, off 0.8891 (+0.0012): select is the default. No response: 0.8901 against
 *    0.8892; adapt + challenger: 0.8905 against 0.8890. The gain is hyperplane-redraws (0.8805 against 0.8754;
 *    with responses 0.8782 against 0.8692); the largest losses are 0.0010 (sea-reversal-transient, no response)
 *    and 0.0011 (hyperplane, with responses).
 * 21. **horizon-select**: the horizon (1,000) was last decided without the selector (part 14). With it, a longer
 *    horizon may pay (the selector falls back to the shorter average and the trained weights when the stream
 *    moves), or a shorter one. Horizons 300, 1,000 (default) and 3,000, selector on (its shorter average at 0.3 x
 *    each), nine streams, two rows each (no response; adapt + challenger).
 *    Decision rule, fixed before the run (part 14's): per horizon, the mean of its eighteen (stream, row)
 *    best-grid accuracies; the highest wins; within 0.001 a tie, going to 1,000 (the current default), then to the
 *    shorter horizon.
 *    Outcome (2026-11-30): 1,000 0.8903, 300 0.8897, 3,000 0.8897: the horizon stays at 1,000 (300 wins the fast
 *    stream, 0.8960 against 0.8805, and loses on the others).
 * 22. **restart-select**: restarting the averages after a detected rise in error (`model.averaging.restartOnDrift`,
 *    on) was decided in part 3, before the selector existed: then an average that lagged a change could only be
 *    emptied. The selector now answers the same lag on its own (the trained weights and the shorter average take
 *    over when they err less), and a restart on a false detection empties both averages for nothing. Candidates,
 *    selector on, horizon 1,000: restartOnDrift on (the default) and off. Nine streams, two rows each (no response;
 *    adapt + challenger).
 *    Decision rule, fixed before the run: per candidate, the mean of its eighteen (stream, row) best-grid
 *    accuracies; off becomes the default only if it beats on by more than 0.001; otherwise on stays. The worst
 *    stream difference to on is reported.
 *    Outcome (2026-11-30): on 0.8903, off 0.8888: restartOnDrift stays on. Off gains only on sea-bursty (0.8585
 *    against 0.8534 without response; its rises are noise bursts) and loses most on the reversal streams (worst:
 *    hp-reversal-transient with responses, 0.8965 against 0.9053): the selector picks the trained weights after a
 *    reversal, but the averages it could return to later still hold the old concept.
 *    Rerun later under part 23's rise check (not stored; the stored rows are the run above): on 0.8907, off 0.8889.
 * 23. **rise-before**: part 17's block rule failed in two ways: its blocks (20 samples) were too short for runs of
 *    50, and it pooled the recent window's block means into the variance, so a real change right before the check
 *    (the recent window half old, half new concept) inflated the variance it was tested against, and after the
 *    reversals of sea-reversal-transient it answered no. Candidate: the current rule, and in addition, once the
 *    window before holds at least 500 errors, the rise must exceed t x SE_b, where SE_b^2 = s_b^2 (1/200 + 1/n),
 *    s_b^2 = L x the sample variance of the means of the window before's blocks of L = 100 errors (the newest
 *    block ending where the recent 200 start; a partial oldest block is left out), n the errors in the window
 *    before, and t the Student t quantile with (blocks - 1) degrees of freedom at the current rule's one-sided
 *    level (that of 2 standard errors, 0.0228). The variance comes from the window before alone, where the
 *    concept held, and never undercuts the current rule (whose check still applies). L = 100 and the 500 are
 *    fixed here, not tuned.
 *    Checks and decision rule, fixed before the runs (part 17's):
 *    (i) level: part 17's simulation (runs of 1, 10 and 50); the candidate's "rose" rate must stay at most 0.05 at
 *        every run length where the current rule's exceeds it;
 *    (ii) power: part 17's simulation (independent errors, 0.2 -> 0.3 for the last 200), reported;
 *    (iii) the nine streams, adapt + challenger (current defaults), each rule: the candidate's mean must not be
 *        below the current rule's by more than 0.001.
 *    Both hold: the candidate becomes `ErrorTrend.rose()`. Otherwise the current rule stays, and the results are
 *    reported.
 *    Outcome (2026-11-30): (i) "rose" rates, current / candidate: 0.020 / 0.014 (independent), 0.145 / 0.025 (runs
 *    of 10), 0.300 / 0.038 (runs of 50): the level holds; (ii) power 0.859 / 0.758; (iii) nine-stream mean 0.8905 /
 *    0.8911 (sea-bursty 0.8497 / 0.8546, hyperplane-redraws 0.8782 / 0.8786, hp-reversal-permanent 0.9252 / 0.9256,
 *    hp-reversal-transient 0.9053 / 0.9047, the others equal). Both conditions hold: the candidate is now
 *    `ErrorTrend.rose()`. The earlier rule reruns through the trend's public option `blockCheck: false`.
 * 24. **responses-rise**: the rise check gates adapt and the challenger, and part 23 changed it; as in part 20,
 *    part 13 is rerun as it was, with its two rules, under the current defaults (now with part 23's check): the
 *    same grid and candidates on the same nine streams. Results go to `responsesRise`.
 *    Decision rules: part 13's, unchanged (fixed before this run as they were before that one).
 *    Outcome (2026-11-30): no change. (1) x2 for 500 has the best adapt mean (0.8911; x2 for 2,000 0.8909, the
 *    reset variants 0.8904 and 0.8902, x1 with a reset 0.8889). (2) adapt + challenger 0.8911, adapt alone 0.8911,
 *    challenger alone 0.8903: within 0.001, the current set stays. No response: 0.8903 (at the best grid points
 *    no challenger is promoted, so the challenger alone equals no response; at lower learning rates it is).
 * 25. **adapt-hedge**: adapt (twice the learning rate for 500 samples) helps after reversals and costs up to 0.002
 *    on three other streams, where the detection it answers is noise or a change the model follows anyway.
 *    Candidate: `drift.adapt.hedge`: the raised rate goes to an exact copy of the model that learns the same
 *    batches as the unchanged one; the one with fewer errors since the period began predicts the next batch (a
 *    tie: the unchanged one), and the leader at the end continues. The adapt parameters stay at their defaults.
 *    Settings, nine streams, current defaults otherwise: no response; adapt + challenger (the default, adapt
 *    unhedged); adapt (hedged) + challenger; and for rule (b) adapt (hedged) alone and the challenger alone.
 *    Decision rules, fixed before the run:
 *    (a) the hedge: per setting, the mean over the nine streams of the best-grid accuracy. Hedged + challenger
 *        becomes the default if its mean beats adapt + challenger's by more than 0.001, and stays off if it is
 *        below by more than 0.001. Within 0.001 (a tie), harm decides: each setting's worst stream difference to no
 *        response; the hedge becomes the default only if its worst is higher by more than 0.001; otherwise it
 *        stays off.
 *    (b) only if the hedge is adopted: part 13's rule (2) with hedged adapt: among adapt (hedged) + challenger,
 *        the challenger alone and adapt (hedged) alone, the highest mean; within 0.001 of it the current set
 *        (adapt + challenger) stays.
 *    The training samples of each setting (the hedge's copy trains too) are reported.
 *    Outcome (2026-11-30): means: no response 0.8903, adapt + challenger 0.8911, adapt (hedged) + challenger 0.8914,
 *    adapt (hedged) 0.8914, challenger 0.8903. (a) A tie (+0.0003), decided by harm: worst stream difference to no
 *    response -0.0020 unhedged (sea-bursty 0.8546 against 0.8566), -0.0008 hedged (sea-bursty 0.8558): higher by
 *    0.0012, so the hedge is now the default. It removes the cost on hyperplane (0.9173 against 0.9161) and most
 *    of it on hyperplane-redraws (0.8800 against 0.8786) and sea-bursty, and keeps the reversal gains
 *    (hp-reversal-transient 0.9044 against 0.9047, hp-reversal-permanent 0.9255 against 0.9256). (b) adapt
 *    (hedged) + challenger has the highest mean: the set stays adapt + challenger. Training samples over the nine
 *    streams: 408,320 hedged against 387,600 unhedged (+5%; no response 270,000).
 * 26. **adapt-hedge-replication**: part 25 decided on one draw of each stream, by a margin (0.0012 of harm) close to
 *    its threshold. This part decides nothing: it reruns part 25's first three settings (no response, adapt +
 *    challenger unhedged, adapt (hedged) + challenger) on the nine generators with every seed moved by 1,000
 *    (same shapes, other draws) and reports the same two measures: the mean and the worst stream against no
 *    response. Written before the run: if the hedge's mean falls below the unhedged one's by more than 0.001, or
 *    its worst stream is lower, the README says so next to part 25's outcome.
 *    Outcome (2026-11-30): means: no response 0.8864, unhedged 0.8869, hedged 0.8872; worst stream against no
 *    response: unhedged -0.0012 (hyperplane-redraws), hedged -0.0007 (same stream). The direction of part 25
 *    holds on the new draws, with a smaller harm difference (0.0005 against 0.0012): neither caveat applies.
 *    (Parts before 25 ran unhedged; rerun now, their adapt settings run hedged, the default, unless they say
 *    otherwise. Part 25's unhedged row says `hedge: false` and reruns as it ran, verified: identical rows.)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { baseStreams, log, nineStreams, settingMean, streamsSection, study, type Row, type Setting } from './harness.js';
import { dependentPairsSection, raceSection, RISE_BEFORE_RULES, riseSimulation, TESTS } from './simulations.js';

const OUT = 'studies/results/dev-responses.json';
const PARTS =
  'race|streams|averaging|restart|defaults|holdoff|lag|holdoff-length|holdoff-short|holdoff-short-responses|warmup|promotions|responses-nine|dependent-pairs|select|horizon-select|restart-select|rise-before|responses-rise|adapt-hedge|adapt-hedge-replication'.split(
    '|',
  );
const part = process.argv[2] ?? 'all';
if (part === '--help' || part === '-h' || !(part === 'all' || PARTS.includes(part))) {
  process.stdout.write(
    `usage: npx tsx studies/dev-responses.ts [${['all', ...PARTS].join('|')}]\nEach part is described in this file's header; results go to ${OUT}.\n`,
  );
  process.exit(part === '--help' || part === '-h' ? 0 : 2);
}

/** The response studies ran before weight averaging existed: they keep it off, so a rerun reproduces them. */
const NO_AVERAGING = { averaging: { horizon: 0 } };

const ADAPT: Setting[] = [
  {
    name: 'adapt x1 (reset only)',
    responses: ['adapt'],
    drift: { adapt: { learningRateFactor: 1, forSamples: 500, resetOptimizer: true } },
    model: NO_AVERAGING,
  },
  ...[2, 5].flatMap((learningRateFactor) =>
    [500, 2000].flatMap((forSamples) =>
      [false, true].map((resetOptimizer) => ({
        name: `adapt x${learningRateFactor} for ${forSamples}${resetOptimizer ? ', reset' : ''}`,
        responses: ['adapt'],
        drift: { adapt: { learningRateFactor, forSamples, resetOptimizer } },
        model: NO_AVERAGING,
      })),
    ),
  ),
];
const CHALLENGER: Setting[] = [
  { name: 'challenger from scratch', responses: ['challenger'], drift: { challenger: { from: 'scratch' } }, model: NO_AVERAGING },
  { name: 'challenger from last version', responses: ['challenger'], drift: { challenger: { from: 'last-version' } }, model: NO_AVERAGING },
];
const NONE: Setting = { name: 'none', responses: [], model: NO_AVERAGING };
/**
 * Weight averaging (`model.averaging`), no response: the horizon grid, and the chosen horizon without the restart
 * after a detected rise in error. Decision rule, fixed before the runs (the same as for adapt): the highest mean
 * over the four streams wins; horizons within 0.001 of it count as tied, the tie going to the shorter horizon
 * (the milder change: less lag behind a change). `none` is the horizon 0 row.
 * The restart after a detected rise in error (`restartOnDrift`) was first a design choice, and the benchmark's
 * Elec2 diagnostic (a detection every few hundred samples) then showed it costing accuracy there. It is decided
 * here instead, at the chosen horizon (1,000), by the adapt study's rule: on by default only if it beats no
 * restart by more than 0.001 in the mean over the four streams; otherwise the milder setting, no restart.
 */
/**
 * The manager as it was before study 3: every detected rise in error restarts the average, even during the hold-off
 * of an earlier restart, which it re-arms (`restartDuringHoldoff`). Parts that ran before study 3 use it, with the
 * hold-off they ran with (the horizon), so a rerun reproduces them.
 */
const REARMING = { restartDuringHoldoff: true };

const AVERAGING: Setting[] = [
  ...[100, 300, 1000, 3000].map((horizon) => ({
    name: `averaging ${horizon}`,
    responses: [],
    model: { averaging: { horizon, holdoff: horizon } },
    manager: REARMING,
  })),
  { name: 'averaging 300, no restart on drift', responses: [], model: { averaging: { horizon: 300, holdoff: 300, restartOnDrift: false } } },
  { name: 'averaging 1000, no restart on drift', responses: [], model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: false } } },
];
/**
 * The hold-off study's candidates (see the header), (a) first; `none` for reference. The hold-off is the one they
 * ran with (the horizon). (b) is what the manager does since this study; when the study ran, (b) was a wrapper of
 * `restartAverage` that ignored a restart during a hold-off, the same behaviour.
 */
const HOLDOFF: Setting[] = [
  {
    name: '(a) restart, re-arming the hold-off',
    responses: [],
    model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: true } },
    manager: REARMING,
  },
  { name: '(b) restart, hold-off not re-armed', responses: [], model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: true } } },
  { name: '(c) no restart', responses: [], model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: false } } },
  { name: 'no averaging (reference)', responses: [], model: { averaging: { horizon: 0 } } },
];

/** The lag study's candidates (see the header), (b) first, with the hold-off they ran with (the horizon). */
const LAG: Setting[] = [
  { name: '(b) restartOnDrift', responses: [], model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: true, restartOnLag: false } } },
  { name: '(d) restartOnLag', responses: [], model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: false, restartOnLag: true } } },
  {
    name: '(e) restartOnDrift + restartOnLag',
    responses: [],
    model: { averaging: { horizon: 1000, holdoff: 1000, restartOnDrift: true, restartOnLag: true } },
  },
];

/** The hold-off length study's candidates (see the header), the default first. */
const HOLDOFF_LENGTH: Setting[] = [1000, 500, 250].map((holdoff) => ({
  name: `hold-off ${holdoff}`,
  responses: [],
  model: { averaging: { horizon: 1000, holdoff } },
}));

/** Part 7: the hold-off grid extended below 250 (see the header), the default first. */
const HOLDOFF_SHORT: Setting[] = [250, 125, 60, 0].map((holdoff) => ({
  name: `hold-off ${holdoff}`,
  responses: [],
  model: { averaging: { horizon: 1000, holdoff } },
}));

/** Part 10: the warm-up of a new model (see the header), the current default first; each with and without responses. */
const WARMUP: Setting[] = [60, 250, 1000].flatMap((warmup) => [
  { name: `warmup ${warmup}`, responses: [], model: { averaging: { horizon: 1000, holdoff: 60, warmup } } },
  { name: `warmup ${warmup}, adapt + challenger`, responses: ['adapt', 'challenger'], model: { averaging: { horizon: 1000, holdoff: 60, warmup } } },
]);

/** Part 12: what follows a promotion (see the header), the incumbent first; no response for reference. */
const PROMOTIONS: Setting[] = [
  { name: '(p) adapt + challenger (current)', responses: ['adapt', 'challenger'] },
  { name: '(q) adapt + challenger, rollback', responses: ['adapt', 'challenger'], drift: { challenger: { rollback: true } } },
  { name: '(r) adapt + challenger from last version', responses: ['adapt', 'challenger'], drift: { challenger: { from: 'last-version' } } },
  { name: 'none', responses: [] },
];

/** Part 13: the adapt grid of part 8 on the nine streams, with no response and the challenger alone. */
const ADAPT_GRID: { factor: number; forSamples: number; reset: boolean }[] = [
  { factor: 1, forSamples: 500, reset: true },
  { factor: 1, forSamples: 2000, reset: true },
  ...[2, 5].flatMap((factor) => [500, 2000].flatMap((forSamples) => [false, true].map((reset) => ({ factor, forSamples, reset })))),
];
const adaptName = (a: { factor: number; forSamples: number; reset: boolean }) => `adapt x${a.factor} for ${a.forSamples}${a.reset ? ', reset' : ''}`;
const adaptDrift = (a: { factor: number; forSamples: number; reset: boolean }) => ({
  adapt: { learningRateFactor: a.factor, forSamples: a.forSamples, resetOptimizer: a.reset },
});
const RESPONSES_NINE: Setting[] = [
  { name: 'none', responses: [] },
  ...ADAPT_GRID.map((a) => ({ name: adaptName(a), responses: ['adapt'], drift: adaptDrift(a) })),
  { name: 'challenger', responses: ['challenger'] },
];

/** Part 16: the race's two tests, with the responses on the nine streams. */
const DEPENDENT_PAIRS: Setting[] = TESTS.map((test) => ({
  name: `adapt + challenger, ${test}`,
  responses: ['adapt', 'challenger'],
  drift: { challenger: { test } },
}));

/** Part 23: the rule before it and its candidate (simulations.ts), with the responses on the nine streams. */
const RISE_BEFORE: Setting[] = RISE_BEFORE_RULES.map((r) => ({
  name: `adapt + challenger, rise: ${r.name}`,
  responses: ['adapt', 'challenger'],
  manager: { errorTrend: r.trend },
}));

/** Part 19: the built selector against the default, with and without responses. */
const SELECT: Setting[] = [false, true].flatMap((select) => [
  { name: `select ${select ? 'on' : 'off'}`, responses: [], model: { averaging: { select } } },
  { name: `select ${select ? 'on' : 'off'}, adapt + challenger`, responses: ['adapt', 'challenger'], model: { averaging: { select } } },
]);

/** Part 21: the horizon with the selector on, with and without responses. */
const HORIZON_SELECT: Setting[] = [1000, 300, 3000].flatMap((horizon) => [
  { name: `horizon ${horizon}, select`, responses: [], model: { averaging: { horizon, select: true } } },
  { name: `horizon ${horizon}, select, adapt + challenger`, responses: ['adapt', 'challenger'], model: { averaging: { horizon, select: true } } },
]);

/** Part 22: restartOnDrift on (the default) and off, with the selector. */
const RESTART_SELECT: Setting[] = [true, false].flatMap((restartOnDrift) => [
  { name: `restart ${restartOnDrift ? 'on' : 'off'}, select`, responses: [], model: { averaging: { horizon: 1000, select: true, restartOnDrift } } },
  {
    name: `restart ${restartOnDrift ? 'on' : 'off'}, select, adapt + challenger`,
    responses: ['adapt', 'challenger'],
    model: { averaging: { horizon: 1000, select: true, restartOnDrift } },
  },
]);

/** Part 25: adapt hedged on a copy of the model, against adapt as it is (see the header). */
const ADAPT_HEDGE: Setting[] = [
  { name: 'none', responses: [] },
  // Unhedged, explicitly: the hedge became the default after this part.
  { name: 'adapt + challenger', responses: ['adapt', 'challenger'], drift: { adapt: { hedge: false } } },
  { name: 'adapt (hedged) + challenger', responses: ['adapt', 'challenger'], drift: { adapt: { hedge: true } } },
  { name: 'adapt (hedged)', responses: ['adapt'], drift: { adapt: { hedge: true } } },
  { name: 'challenger', responses: ['challenger'] },
];

/** Part 7's confirmation with the responses: adapt + challenger at its winner (60) and at the default (250). */
const HOLDOFF_SHORT_RESPONSES: Setting[] = [250, 60].map((holdoff) => ({
  name: `adapt + challenger, hold-off ${holdoff}`,
  responses: ['adapt', 'challenger'],
  model: { averaging: { horizon: 1000, holdoff } },
}));

/** The defaults in src/core/config/parse.ts after this experiment, as the benchmark's drift row runs them. */
const DEFAULTS: Setting = { name: 'adapt + challenger, defaults', responses: ['adapt', 'challenger'] };

/** Part 2's rows, in the order they are reported. */
const PART2_ORDER = [NONE, ...ADAPT, ...CHALLENGER, ...AVERAGING, DEFAULTS].map((s) => s.name);

// ---------------------------------------------------------------- main

// `race`: the simulation; `streams`: no response, the adapt grid and the challenger's `from`; `averaging`: the weight
// averaging horizons; `defaults`: adapt + challenger with the defaults (run after choosing them); `all`: the race and
// part 2 in turn. Sections of parts not run are kept from the previous file, deleted parts' included.
const started = performance.now();
const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
const out: Record<string, unknown> = { ...previous, date: new Date().toISOString() };
const part2Rows = () => (out.streams as { rows?: Row[] } | undefined)?.rows ?? [];
if (part === 'all' || part === 'race') out.race = raceSection();
if (part === 'all' || part === 'streams') out.streams = await streamsSection([NONE, ...ADAPT, ...CHALLENGER], part2Rows(), baseStreams(), PART2_ORDER);
if (part === 'all' || part === 'averaging') out.streams = await streamsSection(AVERAGING, part2Rows(), baseStreams(), PART2_ORDER);
if (part === 'restart')
  out.streams = await streamsSection(
    AVERAGING.filter((s) => s.name.startsWith('averaging 1000')),
    part2Rows(),
    baseStreams(),
    PART2_ORDER,
  );
out.holdoff = part === 'holdoff' ? await study(HOLDOFF) : previous.holdoff;
out.lag = part === 'lag' ? await study(LAG) : previous.lag;
out.holdoffLength = part === 'holdoff-length' ? await study(HOLDOFF_LENGTH) : previous.holdoffLength;
out.holdoffShort = part === 'holdoff-short' ? await study(HOLDOFF_SHORT) : previous.holdoffShort;
out.holdoffShortResponses = part === 'holdoff-short-responses' ? await study(HOLDOFF_SHORT_RESPONSES) : previous.holdoffShortResponses;
out.warmup = part === 'warmup' ? await study(WARMUP) : previous.warmup;
out.promotions = part === 'promotions' ? await study(PROMOTIONS, nineStreams()) : previous.promotions;
if (part === 'responses-nine' || part === 'responses-rise') {
  const streams = nineStreams();
  const first = await streamsSection(
    RESPONSES_NINE,
    [],
    streams,
    RESPONSES_NINE.map((h) => h.name),
  );
  // Rule (1): the best adapt mean; within 0.001 the mildest (lower factor, shorter period, no reset), in grid order.
  const mean = (name: string) => first.best.find((b) => b.setting === name)?.mean ?? -1;
  const bestAdapt = Math.max(...ADAPT_GRID.map((a) => mean(adaptName(a))));
  const mildness = (a: (typeof ADAPT_GRID)[number]) => a.factor * 1e6 + a.forSamples * 10 + (a.reset ? 1 : 0);
  const adapt = ADAPT_GRID.filter((a) => mean(adaptName(a)) >= bestAdapt - 0.001).sort((x, y) => mildness(x) - mildness(y))[0] as (typeof ADAPT_GRID)[number];
  log(`rule (1): ${adaptName(adapt)} (${mean(adaptName(adapt)).toFixed(4)}; best adapt mean ${bestAdapt.toFixed(4)})`);
  const sets: Setting[] = [{ name: `adapt + challenger (${adaptName(adapt)})`, responses: ['adapt', 'challenger'], drift: adaptDrift(adapt) }];
  const second = await streamsSection(
    sets,
    first.rows,
    streams,
    [...RESPONSES_NINE, ...sets].map((h) => h.name),
  );
  // Rule (2): adapt + challenger (current), challenger alone, adapt alone; within 0.001 of the best, the current set.
  const candidates = [sets[0]?.name as string, 'challenger', adaptName(adapt)];
  const bestSet = Math.max(...candidates.map((n) => second.best.find((b) => b.setting === n)?.mean ?? -1));
  const chosen = candidates.find((n) => (second.best.find((b) => b.setting === n)?.mean ?? -1) >= bestSet - 0.001);
  log(`rule (2): ${chosen}`);
  if (part === 'responses-rise') out.responsesRise = { ...second, decisions: { adapt: adaptName(adapt), responses: chosen } };
  else out.responsesNine = { ...second, decisions: { adapt: adaptName(adapt), responses: chosen } };
}
if (part === 'dependent-pairs') {
  const simulation = dependentPairsSection();
  const section = await streamsSection(
    DEPENDENT_PAIRS,
    [],
    nineStreams(),
    DEPENDENT_PAIRS.map((h) => h.name),
  );
  out.dependentPairs = { simulation, ...section };
} else out.dependentPairs = previous.dependentPairs;
if (part === 'rise-before') {
  const simulation = riseSimulation(RISE_BEFORE_RULES);
  const section = await streamsSection(
    RISE_BEFORE,
    [],
    nineStreams(),
    RISE_BEFORE.map((h) => h.name),
  );
  const [current, candidate] = RISE_BEFORE_RULES.map((r) => r.name) as [string, string];
  const levelOk = simulation.level.every((l) => (l.roseRate[current] as number) <= 0.05 || (l.roseRate[candidate] as number) <= 0.05);
  const mean = (name: string) => section.best.find((b) => b.setting === `adapt + challenger, rise: ${name}`)?.mean ?? -1;
  const accuracyOk = mean(candidate) >= mean(current) - 0.001;
  log(
    `level ${levelOk ? 'holds' : 'fails'}; nine-stream means ${mean(current).toFixed(4)} (current) ${mean(candidate).toFixed(4)} (candidate): ${levelOk && accuracyOk ? 'the candidate is adopted' : 'the current rule stays'}`,
  );
  out.riseBefore = { simulation, ...section, levelOk, accuracyOk, adopt: levelOk && accuracyOk };
} else out.riseBefore = previous.riseBefore;
if (part === 'horizon-select') {
  const section = await study(HORIZON_SELECT, nineStreams());
  const means = [1000, 300, 3000].map((h) => ({ horizon: h, mean: settingMean(section, `horizon ${h}, select`) }));
  const top = Math.max(...means.map((m) => m.mean));
  const chosen = [1000, 300, 3000].find((h) => (means.find((m) => m.horizon === h)?.mean ?? -1) >= top - 0.001);
  log(`means ${JSON.stringify(means)}; chosen ${chosen}`);
  out.horizonSelect = { ...section, means, chosen };
} else out.horizonSelect = previous.horizonSelect;
if (part === 'restart-select') {
  const section = await study(RESTART_SELECT, nineStreams());
  const means = { on: settingMean(section, 'restart on'), off: settingMean(section, 'restart off') };
  const adopt = means.off - means.on > 0.001;
  log(`means ${JSON.stringify(means)}; restartOnDrift ${adopt ? 'off becomes the default' : 'stays on'}`);
  out.restartSelect = { ...section, means, adopt };
} else out.restartSelect = previous.restartSelect;
if (part === 'select') {
  const section = await study(SELECT, nineStreams());
  const means = { off: settingMean(section, 'select off'), on: settingMean(section, 'select on') };
  log(`means ${JSON.stringify(means)}; select ${means.on - means.off > 0.001 ? 'becomes the default' : 'stays off'}`);
  out.select = { ...section, means, adopt: means.on - means.off > 0.001 };
} else out.select = previous.select;
if (part === 'adapt-hedge') {
  const section = await study(ADAPT_HEDGE, nineStreams());
  const best = (name: string) => section.best.find((b) => b.setting === name) as (typeof section.best)[number];
  const worstVsNone = (name: string) =>
    Math.min(...Object.entries(best(name).perStream).map(([k, p]) => p.accuracy - (best('none').perStream[k]?.accuracy ?? 0)));
  const [current, hedged] = ['adapt + challenger', 'adapt (hedged) + challenger'];
  const diff = best(hedged).mean - best(current).mean;
  const harm = { [current]: worstVsNone(current), [hedged]: worstVsNone(hedged) };
  // Rule (a).
  const adopt = diff > 0.001 || (diff >= -0.001 && (harm[hedged] as number) - (harm[current] as number) > 0.001);
  // Rule (b), only when the hedge is adopted.
  let responses = 'adapt + challenger';
  if (adopt) {
    const candidates = [hedged, 'challenger', 'adapt (hedged)'];
    const top = Math.max(...candidates.map((n) => best(n).mean));
    responses = best(hedged).mean >= top - 0.001 ? 'adapt + challenger' : (candidates.find((n) => best(n).mean === top) as string);
  }
  const trainSamples = Object.fromEntries(ADAPT_HEDGE.map((h) => [h.name, Object.values(best(h.name).perStream).reduce((a, p) => a + p.trainSamples, 0)]));
  log(
    `means ${ADAPT_HEDGE.map((h) => `${h.name} ${best(h.name).mean.toFixed(4)}`).join(', ')}; worst vs none ${JSON.stringify(harm)}; hedge ${adopt ? 'becomes the default' : 'stays off'}; responses: ${responses}`,
  );
  out.adaptHedge = { ...section, harm, trainSamples, adopt, responses };
} else out.adaptHedge = previous.adaptHedge;
if (part === 'adapt-hedge-replication') {
  const settings = ADAPT_HEDGE.slice(0, 3);
  const section = await study(settings, nineStreams(1000));
  const best = (name: string) => section.best.find((b) => b.setting === name) as (typeof section.best)[number];
  const worstVsNone = (name: string) =>
    Math.min(...Object.entries(best(name).perStream).map(([k, p]) => p.accuracy - (best('none').perStream[k]?.accuracy ?? 0)));
  const summary = Object.fromEntries(settings.map((h) => [h.name, { mean: best(h.name).mean, worstVsNone: worstVsNone(h.name) }]));
  log(`replication (seeds + 1,000): ${JSON.stringify(summary)}`);
  out.adaptHedgeReplication = { ...section, seedOffset: 1000, summary };
} else out.adaptHedgeReplication = previous.adaptHedgeReplication;
if (part === 'all' || part === 'defaults') out.streams = await streamsSection([DEFAULTS], part2Rows(), baseStreams(), PART2_ORDER);
writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
const SECTIONS: Record<string, string> = {
  'holdoff-length': 'holdoffLength',
  'holdoff-short': 'holdoffShort',
  'holdoff-short-responses': 'holdoffShortResponses',
  'responses-nine': 'responsesNine',
  'responses-rise': 'responsesRise',
  'dependent-pairs': 'dependentPairs',
  'horizon-select': 'horizonSelect',
  'restart-select': 'restartSelect',
  'rise-before': 'riseBefore',
  'adapt-hedge': 'adaptHedge',
  'adapt-hedge-replication': 'adaptHedgeReplication',
};
const shown = out[SECTIONS[part] ?? (['holdoff', 'lag', 'warmup', 'promotions', 'select'].includes(part) ? part : 'streams')] as
  | Awaited<ReturnType<typeof streamsSection>>
  | undefined;
for (const b of shown?.best ?? [])
  process.stdout.write(
    `${b.setting.padEnd(34)} ${Object.values(b.perStream)
      .map((p) => p.accuracy.toFixed(4))
      .join('  ')}  mean ${b.mean.toFixed(4)}  worst vs none ${b.worstVsNone?.toFixed(4)}\n`,
  );
log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
