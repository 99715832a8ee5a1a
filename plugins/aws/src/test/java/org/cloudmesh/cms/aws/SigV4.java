package org.cloudmesh.cms.aws;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 as the service does: the canonical request (method, the path as sent, query,
 * the signed headers, the body's SHA-256) hashed into the string to sign, signed with the key derived from the
 * secret, date, region and service. A request whose path was changed after signing fails here, as it would at AWS.
 */
final class SigV4 {
    private SigV4() {
    }

    static boolean valid(HttpExchange ex, byte[] body, String secret) {
        try {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            // AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, SignedHeaders=a;b, Signature=hex
            String credential = part(auth, "Credential=");
            String signedHeaders = part(auth, "SignedHeaders=");
            String signature = part(auth, "Signature=");
            String[] scope = credential.split("/", 2)[1].split("/");
            String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
            StringBuilder headers = new StringBuilder();
            for (String h : signedHeaders.split(";")) {
                List<String> values = ex.getRequestHeaders().get(h);
                if (values == null) return false;
                headers.append(h).append(':').append(String.join(",", values.stream().map(v -> v.strip().replaceAll("\\s+", " ")).toList())).append('\n');
            }
            String query = ex.getRequestURI().getRawQuery();
            TreeMap<String, String> q = new TreeMap<>();
            if (query != null) for (String kv : query.split("&")) q.put(kv.split("=", 2)[0], kv.contains("=") ? kv.split("=", 2)[1] : "");
            String canonicalQuery = String.join("&", q.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            String canonical = ex.getRequestMethod() + "\n" + ex.getRequestURI().getRawPath() + "\n" + canonicalQuery + "\n" + headers
                    + "\n" + signedHeaders + "\n" + hex(sha256(body));
            String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + String.join("/", scope) + "\n"
                    + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
            byte[] key = ("AWS4" + secret).getBytes(StandardCharsets.UTF_8);
            for (String s : scope) key = hmac(key, s);
            return MessageDigest.isEqual(hex(hmac(key, toSign)).getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String part(String auth, String name) {
        int i = auth.indexOf(name);
        if (i < 0) throw new IllegalArgumentException(name);
        String rest = auth.substring(i + name.length());
        int end = rest.indexOf(',');
        return (end < 0 ? rest : rest.substring(0, end)).strip();
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
