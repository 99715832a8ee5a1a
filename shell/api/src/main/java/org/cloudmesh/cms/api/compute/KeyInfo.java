package org.cloudmesh.cms.api.compute;

/** A key pair as a cloud knows it. */
public record KeyInfo(String name, String fingerprint) {
}
