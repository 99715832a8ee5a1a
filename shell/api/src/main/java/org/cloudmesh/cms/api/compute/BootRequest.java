package org.cloudmesh.cms.api.compute;

import java.util.List;

/**
 * What to boot: every value already resolved (option, then variable, then the cloud's default). Values a provider
 * does not use may be null. {@code publicKey} is the OpenSSH public key text of {@code key}, to be installed for the
 * login user. {@code links} are extra NICs joined over loopback ({@link Compute#joinsLinks()}), usually none.
 * Providers never paste these values into a shell or an XML text: they use the SDK's or DOM's setters.
 */
public record BootRequest(String name, String image, String flavor, String key, String publicKey, String secgroup,
                          String network, String username, List<Link> links) {

    public BootRequest {
        links = links == null ? List.of() : List.copyOf(links);
    }

    public BootRequest(String name, String image, String flavor, String key, String publicKey, String secgroup,
                       String network, String username) {
        this(name, image, flavor, key, publicKey, secgroup, network, username, List.of());
    }
}
