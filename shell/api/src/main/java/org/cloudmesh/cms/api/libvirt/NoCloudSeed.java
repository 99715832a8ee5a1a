package org.cloudmesh.cms.api.libvirt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Names;

/**
 * A cloud-init NoCloud seed: an ISO 9660 volume labelled {@code cidata} holding {@code meta-data} (instance id and
 * host name) and {@code user-data} ({@code #cloud-config} with the host name and the ssh keys to authorise). Real
 * cloud images read it with cloud-init; the testbed's guest reads it with its own init. Values are written as YAML
 * scalars in double quotes with escapes, so no key comment or name can add YAML of its own.
 *
 * <p>The image is the smallest ISO 9660 a Linux kernel mounts: one primary volume descriptor, path tables, a root
 * directory and the two files, with level-1 identifiers ({@code META-DATA;1}), which Linux shows in lower case
 * without the version ({@code meta-data}), as cloud-init expects.
 */
public final class NoCloudSeed {
    private static final int SECTOR = 2048;
    private static final java.util.regex.Pattern PLAIN =
            java.util.regex.Pattern.compile("[A-Za-z0-9._/+=][A-Za-z0-9._/+=@-]*( [A-Za-z0-9._/+=@-]+)*");

    private NoCloudSeed() {
    }

    /** The seed of VM {@code name} (a validated name) that authorises {@code publicKeys} (OpenSSH one-line keys). */
    public static byte[] iso(String instanceId, String name, List<String> publicKeys) {
        return iso(instanceId, name, publicKeys, null);
    }

    /**
     * As above, and with {@code hostKey} (an OpenSSH ed25519 private key, or null) as the guest's ssh host key
     * ({@code ssh_keys: ed25519_private}), so that the client can pin it before the first login and it survives
     * reboots of a guest without a disk.
     */
    public static byte[] iso(String instanceId, String name, List<String> publicKeys, String hostKey) {
        return iso(instanceId, name, publicKeys, hostKey, Map.of());
    }

    /**
     * As above, with more files in the seed's root: {@code extra} maps a name of upper-case letters, digits and '-'
     * (Linux shows it in lower case) to its content, e.g. {@code CMS-STACK}, which the testbed's guests run at boot.
     */
    public static byte[] iso(String instanceId, String name, List<String> publicKeys, String hostKey, Map<String, byte[]> extra) {
        Names.require("VM", name);
        String meta = "instance-id: " + quote(instanceId) + "\nlocal-hostname: " + quote(name) + "\n";
        StringBuilder user = new StringBuilder("#cloud-config\nhostname: ").append(quote(name)).append('\n');
        if (!publicKeys.isEmpty()) {
            user.append("ssh_authorized_keys:\n");
            for (String k : publicKeys) {
                String key = k.strip();
                if (key.isEmpty() || key.contains("\n")) throw new CmsException("an ssh public key must be one line of text");
                user.append("  - ").append(quote(key)).append('\n');
            }
        }
        if (hostKey != null) {
            if (!hostKey.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----")) throw new CmsException("a host key must be an OpenSSH private key");
            user.append("ssh_keys:\n  ed25519_private: |\n");
            for (String line : hostKey.strip().split("\n")) user.append("    ").append(line.strip()).append('\n');
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("META-DATA", meta.getBytes(StandardCharsets.UTF_8));
        files.put("USER-DATA", user.toString().getBytes(StandardCharsets.UTF_8));
        extra.forEach((n, data) -> {
            if (!n.matches("[A-Z0-9][A-Z0-9-]{0,29}") || files.containsKey(n)) throw new CmsException("seed file name '" + n + "'");
            files.put(n, data);
        });
        return iso9660("cidata", files);
    }

    /**
     * A YAML scalar: plain when it is made of safe words (names, keys: what simple readers of seeds expect), else
     * double-quoted with backslash, quote and control characters escaped.
     */
    static String quote(String s) {
        if (PLAIN.matcher(s).matches()) return s;
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < ' ' || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** An ISO 9660 image with volume label {@code label} and {@code files} (level-1 names, sorted) in its root. */
    static byte[] iso9660(String label, Map<String, byte[]> files) {
        List<String> names = files.keySet().stream().sorted().toList();
        int rootSector = 20;
        int next = rootSector + 1;
        Map<String, Integer> at = new LinkedHashMap<>();
        for (String n : names) {
            at.put(n, next);
            next += Math.max(1, (files.get(n).length + SECTOR - 1) / SECTOR);
        }
        int total = next;
        ByteBuffer img = ByteBuffer.allocate(total * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        byte[] now = recordingDate();

        // primary volume descriptor (sector 16)
        int p = 16 * SECTOR;
        img.put(p, (byte) 1);
        img.put(p + 1, "CD001".getBytes(StandardCharsets.US_ASCII));
        img.put(p + 6, (byte) 1);
        text(img, p + 8, 32, "LINUX");
        text(img, p + 40, 32, label);
        both32(img, p + 80, total);
        both16(img, p + 120, 1);
        both16(img, p + 124, 1);
        both16(img, p + 128, SECTOR);
        both32(img, p + 132, 10);                 // path table: the root's one entry
        img.putInt(p + 140, 18);                  // type L path table (little-endian)
        img.order(ByteOrder.BIG_ENDIAN).putInt(p + 148, 19).order(ByteOrder.LITTLE_ENDIAN); // type M (big-endian)
        directoryRecord(img, p + 156, rootSector, SECTOR, true, new byte[] {0}, now);
        text(img, p + 190, 128, "");
        text(img, p + 318, 128, "");
        text(img, p + 446, 128, "");
        text(img, p + 574, 128, "CMS");
        text(img, p + 702, 37 * 3, "");
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")) + "00";
        for (int off : new int[] {813, 830, 864}) img.put(p + off, date.getBytes(StandardCharsets.US_ASCII));
        img.put(p + 847, "0000000000000000".getBytes(StandardCharsets.US_ASCII));
        img.put(p + 881, (byte) 1);

        // volume descriptor set terminator (sector 17)
        int t = 17 * SECTOR;
        img.put(t, (byte) 255);
        img.put(t + 1, "CD001".getBytes(StandardCharsets.US_ASCII));
        img.put(t + 6, (byte) 1);

        // path tables (sectors 18 and 19): the root directory, its own parent
        img.put(18 * SECTOR, (byte) 1);
        img.putInt(18 * SECTOR + 2, rootSector);
        img.putShort(18 * SECTOR + 6, (short) 1);
        img.put(19 * SECTOR, (byte) 1);
        img.order(ByteOrder.BIG_ENDIAN).putInt(19 * SECTOR + 2, rootSector).putShort(19 * SECTOR + 6, (short) 1)
                .order(ByteOrder.LITTLE_ENDIAN);

        // root directory (sector 20): ".", "..", then the files
        int r = rootSector * SECTOR;
        r += directoryRecord(img, r, rootSector, SECTOR, true, new byte[] {0}, now);
        r += directoryRecord(img, r, rootSector, SECTOR, true, new byte[] {1}, now);
        for (String n : names) {
            if (!n.matches("[A-Z0-9_-]{1,30}")) throw new IllegalArgumentException("ISO 9660 name " + n);
            r += directoryRecord(img, r, at.get(n), files.get(n).length, false,
                    (n + ";1").getBytes(StandardCharsets.US_ASCII), now);
        }
        if (r > (rootSector + 1) * SECTOR) throw new IllegalArgumentException("too many files for one directory sector");
        for (String n : names) img.put(at.get(n) * SECTOR, files.get(n));
        return img.array();
    }

    private static int directoryRecord(ByteBuffer img, int at, int extent, int length, boolean dir, byte[] id, byte[] date) {
        int len = 33 + id.length + (id.length % 2 == 0 ? 1 : 0);
        img.put(at, (byte) len);
        both32(img, at + 2, extent);
        both32(img, at + 10, length);
        img.put(at + 18, date);
        img.put(at + 25, (byte) (dir ? 2 : 0));
        both16(img, at + 28, 1);
        img.put(at + 32, (byte) id.length);
        img.put(at + 33, id);
        return len;
    }

    private static byte[] recordingDate() {
        ZonedDateTime t = ZonedDateTime.now(ZoneOffset.UTC);
        return new byte[] {(byte) (t.getYear() - 1900), (byte) t.getMonthValue(), (byte) t.getDayOfMonth(),
                (byte) t.getHour(), (byte) t.getMinute(), (byte) t.getSecond(), 0};
    }

    private static void text(ByteBuffer img, int at, int width, String s) {
        byte[] field = new byte[width];
        Arrays.fill(field, (byte) ' ');
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, field, 0, Math.min(b.length, width));
        img.put(at, field);
    }

    private static void both16(ByteBuffer img, int at, int v) {
        img.putShort(at, (short) v);
        img.order(ByteOrder.BIG_ENDIAN).putShort(at + 2, (short) v).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void both32(ByteBuffer img, int at, int v) {
        img.putInt(at, v);
        img.order(ByteOrder.BIG_ENDIAN).putInt(at + 4, v).order(ByteOrder.LITTLE_ENDIAN);
    }
}
