package org.cloudmesh.cms.comet.store;

import java.util.List;

/**
 * A group of compute nodes started together as one Slurm job. Times are epoch seconds (null until known);
 * {@code hosts} is the job's physical hosts (Slurm hostlist) once it runs; {@code nodes} the VC nodes it holds;
 * {@code expectedStart} when Slurm expects a pending set to start (null when it does not say).
 */
public record Computeset(long id, String cluster, String endpoint, String allocation, long walltimeMins,
                         String reservation, String jobId, CsState state, String slurmState, String reason,
                         String hosts, Long submitTime, Long startTime, Long endTime, long created,
                         List<String> nodes, Long expectedStart) {
}
