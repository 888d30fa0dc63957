package dev.catwalk.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The accuracy targets of the deterministic analyzer over the fixture corpus (see {@link AccuracyReport}). */
class AccuracyTest {

  @Test
  void runtimePackageAndRequiredVariablesMeetTheTargetsWithoutAnLlm() {
    List<AccuracyReport.Score> scores = AccuracyReport.scoreAll();
    System.out.print(AccuracyReport.render(scores));
    assertThat(scores).hasSizeGreaterThanOrEqualTo(12);
    assertThat(AccuracyReport.misses(scores)).isEmpty();
    List<AccuracyReport.Score> stating = scores.stream().filter(AccuracyReport.Score::statesVariables).toList();
    int found = AccuracyReport.sum(stating, AccuracyReport.Score::requiredFound);
    int reported = AccuracyReport.sum(stating, AccuracyReport.Score::requiredReported);
    assertThat(found * 100).isGreaterThanOrEqualTo(reported * 90);
  }
}
