package org.cloudmesh.cms.vm;

import java.util.Locale;

/** The login user of an image, guessed as cloudmesh does (cloudmesh-cloud image/Image.py guess_username). */
final class Usernames {
    private Usernames() {
    }

    static String guess(String image, String cloud) {
        String i = image == null ? "" : image.toLowerCase(Locale.ROOT);
        if (i.startsWith("cc-") || "chameleon".equals(cloud)) return "cc";
        if (i.contains("ubuntu") || i.contains("wily") || i.contains("xenial")) return "ubuntu";
        if (i.startsWith("oracle")) return "opc";
        return "root";
    }
}
