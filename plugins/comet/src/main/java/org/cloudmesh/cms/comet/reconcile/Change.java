package org.cloudmesh.cms.comet.reconcile;

import org.cloudmesh.cms.comet.store.CsState;

/**
 * What one reconciliation did to a computeset, for watch and tests: {@code from} → {@code to} and why;
 * {@code from == to} is a warning about the set (a node that stopped outside cms), not a change of state.
 */
public record Change(long computeset, CsState from, CsState to, String detail) {
}
