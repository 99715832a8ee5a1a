package org.cloudmesh.cms.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster of cloud VMs as the store records it. {@code user}, {@code port} and {@code key} are how cms logs in to
 * the manager (the key a private key file); {@code setup} is {@code ok}, or why ssh trust and the hosts file are not
 * (yet) in place.
 */
record Cluster(String name, String cloud, String kind, String project, String owner, String description,
               String created, String user, int port, String key, String image, String flavor, String managerFlavor,
               String setup, List<Member> members, Stack stack, Lan lan) {

    /**
     * The software stack cms keeps on the cluster ({@code slurm}) and how its setup went: {@code ok}, {@code pending},
     * or why it is not in place.
     */
    record Stack(String name, String state) {
        Stack withState(String s) {
            return new Stack(name, s);
        }
    }

    Cluster {
        members = List.copyOf(members);
    }

    /** A cluster without a stack or a private segment of its own. */
    Cluster(String name, String cloud, String kind, String project, String owner, String description, String created,
            String user, int port, String key, String image, String flavor, String managerFlavor, String setup,
            List<Member> members) {
        this(name, cloud, kind, project, owner, description, created, user, port, key, image, flavor, managerFlavor, setup,
                members, null, null);
    }

    Cluster withStack(Stack s) {
        return new Cluster(name, cloud, kind, project, owner, description, created, user, port, key, image, flavor,
                managerFlavor, setup, members, s, lan);
    }

    Cluster withLan(Lan l) {
        return new Cluster(name, cloud, kind, project, owner, description, created, user, port, key, image, flavor,
                managerFlavor, setup, members, stack, l);
    }

    /** The address other members reach {@code m} at on the cluster's private network. */
    String privateAddress(Member m) {
        if (lan != null) return m.manager() ? lan.managerIp() : lan.ipOf(m.name()).orElse(null);
        return m.hostsAddress();
    }

    Optional<Member> manager() {
        return members.stream().filter(Member::manager).findFirst();
    }

    List<Member> nodes() {
        return members.stream().filter(m -> !m.manager()).toList();
    }

    Optional<Member> member(String node) {
        return members.stream().filter(m -> m.name().equals(node)).findFirst();
    }

    Cluster withMembers(List<Member> ms) {
        return new Cluster(name, cloud, kind, project, owner, description, created, user, port, key, image, flavor,
                managerFlavor, setup, ms, stack, lan);
    }

    /** This cluster with one member replaced (or added when new). */
    Cluster with(Member m) {
        List<Member> ms = new ArrayList<>(members);
        boolean replaced = false;
        for (int i = 0; i < ms.size(); i++) {
            if (ms.get(i).name().equals(m.name())) {
                ms.set(i, m);
                replaced = true;
            }
        }
        if (!replaced) ms.add(m);
        return withMembers(ms);
    }

    Cluster without(String node) {
        return withMembers(members.stream().filter(m -> !m.name().equals(node)).toList());
    }

    Cluster withSetup(String s) {
        return new Cluster(name, cloud, kind, project, owner, description, created, user, port, key, image, flavor,
                managerFlavor, s, members, stack, lan);
    }

    Cluster withText(String newOwner, String newDescription) {
        return new Cluster(name, cloud, kind, project, newOwner, newDescription, created, user, port, key, image, flavor,
                managerFlavor, setup, members, stack, lan);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("cloud", cloud);
        m.put("kind", kind);
        m.put("project", project);
        m.put("owner", owner);
        m.put("description", description);
        m.put("created", created);
        m.put("user", user);
        m.put("port", port);
        m.put("key", key);
        m.put("image", image);
        m.put("flavor", flavor);
        m.put("manager_flavor", managerFlavor);
        m.put("setup", setup);
        if (stack != null) m.put("stack", Map.of("name", stack.name(), "state", stack.state() == null ? "pending" : stack.state()));
        if (lan != null) m.put("lan", lan.toMap());
        m.values().removeIf(java.util.Objects::isNull);
        m.put("members", members.stream().map(Member::toMap).toList());
        return m;
    }

    static Cluster fromMap(Map<?, ?> m) {
        List<Member> ms = new ArrayList<>();
        if (m.get("members") instanceof List<?> l) {
            for (Object o : l) if (o instanceof Map<?, ?> mm) ms.add(Member.fromMap(mm));
        }
        Integer port = Member.i(m, "port");
        return new Cluster(Member.s(m, "name"), Member.s(m, "cloud"), Member.s(m, "kind"), Member.s(m, "project"),
                Member.s(m, "owner"), Member.s(m, "description"), Member.s(m, "created"), Member.s(m, "user"),
                port == null ? 22 : port, Member.s(m, "key"), Member.s(m, "image"), Member.s(m, "flavor"),
                Member.s(m, "manager_flavor"), Member.s(m, "setup"), ms,
                m.get("stack") instanceof Map<?, ?> st ? new Stack(Member.s(st, "name"), Member.s(st, "state")) : null,
                Lan.fromMap(m.get("lan")));
    }
}
