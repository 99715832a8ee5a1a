package org.cloudmesh.cms.app.server;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The nonces seen within the replay window, against replayed requests. A nonce is kept (as a 64-bit hash of key and
 * nonce, 8 to 16 bytes) in the bucket of its request's timestamp second, and the bucket is dropped once a request
 * with that timestamp would be refused as stale anyway. Bounded: past {@code max} entries new requests are refused
 * (503) rather than forgetting a nonce early, which would let a replay through.
 */
final class NonceCache {
    private final long window;
    private final long max;
    private final ConcurrentHashMap<Long, LongSet> buckets = new ConcurrentHashMap<>();
    private final AtomicLong size = new AtomicLong();
    private volatile long swept = Long.MIN_VALUE;

    NonceCache(long windowSeconds, long max) {
        this.window = windowSeconds;
        this.max = max;
    }

    enum Result { FRESH, REPLAYED, FULL }

    /** Records the nonce of a request stamped {@code timestamp} (already checked to be within the window). */
    Result add(String keyId, String nonce, long timestamp, long now) {
        if (now != swept) sweep(now);
        if (size.get() >= max) return Result.FULL;
        LongSet set = buckets.computeIfAbsent(timestamp, t -> new LongSet());
        if (!set.add(hash(keyId, nonce))) return Result.REPLAYED;
        size.incrementAndGet();
        return Result.FRESH;
    }

    long size() {
        return size.get();
    }

    private void sweep(long now) {
        swept = now;
        for (Iterator<Map.Entry<Long, LongSet>> i = buckets.entrySet().iterator(); i.hasNext(); ) {
            Map.Entry<Long, LongSet> e = i.next();
            if (e.getKey() + window < now) {
                i.remove();
                size.addAndGet(-e.getValue().size());
            }
        }
    }

    /** FNV-1a 64 over key, a separator and nonce; nonces are random, so collisions are negligible (2^-64 a pair). */
    static long hash(String keyId, String nonce) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < keyId.length(); i++) h = (h ^ keyId.charAt(i)) * 0x100000001b3L;
        h = (h ^ '\n') * 0x100000001b3L;
        for (int i = 0; i < nonce.length(); i++) h = (h ^ nonce.charAt(i)) * 0x100000001b3L;
        return h == 0 ? 1 : h;
    }

    /** A set of non-zero longs, open addressing, linear probing. */
    static final class LongSet {
        private long[] table = new long[64];
        private int count;

        synchronized boolean add(long v) {
            if ((count + 1) * 2 > table.length) grow();
            int mask = table.length - 1;
            int i = (int) (mix(v) & mask);
            while (table[i] != 0) {
                if (table[i] == v) return false;
                i = (i + 1) & mask;
            }
            table[i] = v;
            count++;
            return true;
        }

        synchronized int size() {
            return count;
        }

        private void grow() {
            long[] old = table;
            table = new long[old.length * 2];
            int mask = table.length - 1;
            for (long v : old) {
                if (v == 0) continue;
                int i = (int) (mix(v) & mask);
                while (table[i] != 0) i = (i + 1) & mask;
                table[i] = v;
            }
        }

        private static long mix(long v) {
            v ^= v >>> 33;
            v *= 0xff51afd7ed558ccdL;
            return v ^ (v >>> 33);
        }
    }
}
