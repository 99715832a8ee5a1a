package org.cloudmesh.cms.api.ssh;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;

/**
 * JSch's view of a {@link KnownHosts} file. JSch runs with {@code StrictHostKeyChecking=yes}, so it connects only
 * when {@link #check} says OK: a host seen for the first time is pinned here and then OK (trust on first use), a host
 * whose pinned key differs (or whose key is revoked) is CHANGED, and JSch refuses. The refusal is remembered so that
 * {@link SshClient} can explain it.
 */
final class PinnedHostKeys implements HostKeyRepository {
    private final KnownHosts knownHosts;
    private final Map<String, Refusal> refusals = new ConcurrentHashMap<>();

    /** Why a host key was refused: the verdict and the key the server sent. */
    record Refusal(KnownHosts.Verdict verdict, byte[] offered) {
    }

    PinnedHostKeys(KnownHosts knownHosts) {
        this.knownHosts = knownHosts;
    }

    KnownHosts knownHosts() {
        return knownHosts;
    }

    /** The refusal recorded for a host by the last failed connect, removed on reading. */
    Refusal takeRefusal(String hostName) {
        return refusals.remove(hostName);
    }

    @Override
    public int check(String host, byte[] key) {
        KnownHosts.Verdict verdict = knownHosts.trustOnFirstUse(host, key);
        if (verdict.match() == KnownHosts.Match.PINNED) {
            refusals.remove(host);
            return OK;
        }
        refusals.put(host, new Refusal(verdict, key.clone()));
        return CHANGED;
    }

    @Override
    public void add(HostKey hostkey, UserInfo ui) {
        // JSch adds keys only when StrictHostKeyChecking is "no" or "ask"; pinning happens in check()
    }

    @Override
    public void remove(String host, String type) {
        // never replace a pinned key from here: the user removes it deliberately (ssh-keygen -R)
    }

    @Override
    public void remove(String host, String type, byte[] key) {
        // see remove(String, String)
    }

    @Override
    public String getKnownHostsRepositoryID() {
        return knownHosts.file().toString();
    }

    @Override
    public HostKey[] getHostKey() {
        return toHostKeys(knownHosts.entries());
    }

    /** The keys of a host (JSch orders its host key algorithms by them and looks for @revoked among them). */
    @Override
    public HostKey[] getHostKey(String host, String type) {
        return toHostKeys(host == null ? knownHosts.entries() : knownHosts.entries(host));
    }

    private static HostKey[] toHostKeys(List<KnownHosts.Entry> entries) {
        List<HostKey> keys = new ArrayList<>();
        for (KnownHosts.Entry e : entries) {
            if (e.certAuthority()) {
                continue;
            }
            try {
                keys.add(new HostKey(e.marker(), e.hosts(), HostKey.GUESS, e.keyBytes(), e.comment()));
            } catch (JSchException | IllegalArgumentException ex) {
                // a key type JSch does not know: it cannot be offered either, so it does not matter here
            }
        }
        return keys.toArray(new HostKey[0]);
    }
}
