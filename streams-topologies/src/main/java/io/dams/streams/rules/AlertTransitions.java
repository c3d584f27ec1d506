package io.dams.streams.rules;

import io.dams.rules.eval.AlertFingerprint;
import io.dams.rules.eval.AlertStateMachine.Transition;
import io.dams.rules.eval.GroupLabels;
import io.dams.schemas.avro.AlertTransition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.OptionalDouble;

/** Builds the {@code dams.alerts.transitions} records. */
final class AlertTransitions {

    private AlertTransitions() {
    }

    /**
     * @param assetId the asset of a per-asset rule's alert; null for a {@code by (...)} rule's
     * @param value   the aggregate that decided it; empty when there was none (no data, a deleted rule)
     */
    static AlertTransition of(String ruleName, GroupLabels group, String assetId, String region, AlertFacts facts,
                              Transition t, OptionalDouble value, long evaluatedAt) {
        return AlertTransition.newBuilder()
                .setAlertId(AlertFingerprint.of(ruleName, group).alertId())
                .setRuleName(ruleName)
                .setSeverity(facts.severity())
                .setGroupLabels(new HashMap<>(group.labels()))
                .setAssetId(assetId)
                .setRegion(region)
                .setFromState(t.from())
                .setToState(t.to())
                .setAt(t.atMs())
                // An ending transition too says since when the alert had been active.
                .setActiveSince(t.activeSinceMs())
                .setValue(value.isPresent() ? value.getAsDouble() : null)
                .setThreshold(facts.threshold().isPresent() ? facts.threshold().getAsDouble() : null)
                .setCondition(facts.condition())
                .setChannels(new ArrayList<>(facts.channels()))
                .setAnnotations(new HashMap<>(facts.annotations()))
                .setEvaluatedAt(evaluatedAt)
                .build();
    }
}
