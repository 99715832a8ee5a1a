package org.cloudmesh.cms.app.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins, counted per claimed user name and per client address (whether or not the user exists). After
 * {@value #FREE_PER_USER} failures for a user, or {@value #FREE_PER_ADDRESS} from an address, each further attempt
 * must wait a delay that doubles with every failure (1 s, 2 s, 4 s, ... at most {@value #MAX_DELAY_SECONDS} s) after
 * the last one; a login with both factors right clears the user's and the address's count. Password guessing drops
 * from hundreds a second to a few an hour, and a wrong password costs a real user at most a short wait. (Five wrong
 * one-time codes after a right password also lock the user until an administrator lifts it: {@code Accounts}.)
 */
final class LoginThrottle {
    static final int FREE_PER_USER = 3;
    static final int FREE_PER_ADDRESS = 10;
    static final long MAX_DELAY_SECONDS = 300;
    private static final int MAX_ENTRIES = 100_000;

    private record Failures(int count, long last) {}

    private final Map<String, Failures> users = new ConcurrentHashMap<>();
    private final Map<String, Failures> addresses = new ConcurrentHashMap<>();

    /** Seconds this attempt must still wait (0: it may be made now). */
    long wait(String user, String address, long now) {
        return Math.max(wait(users.get(user), FREE_PER_USER, now), wait(addresses.get(address), FREE_PER_ADDRESS, now));
    }

    void failed(String user, String address, long now) {
        count(users, user, now);
        count(addresses, address, now);
    }

    void succeeded(String user, String address) {
        users.remove(user);
        addresses.remove(address);
    }

    static long delay(int failures, int free) {
        return failures < free ? 0 : Math.min(MAX_DELAY_SECONDS, 1L << Math.min(failures - free, 20));
    }

    private static long wait(Failures f, int free, long now) {
        return f == null ? 0 : Math.max(0, f.last() + delay(f.count(), free) - now);
    }

    private static void count(Map<String, Failures> m, String key, long now) {
        if (key == null) return;
        if (m.size() >= MAX_ENTRIES) m.values().removeIf(f -> f.last() + 2 * MAX_DELAY_SECONDS < now);
        if (m.size() >= MAX_ENTRIES) m.clear(); // a flood of made-up names: start over rather than grow
        m.merge(key, new Failures(1, now), (a, b) -> new Failures(a.count() + 1, now));
    }
}
