package org.cloudmesh.cms.api.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestSignerTest {
    private static final byte[] BODY = "{\"name\":\"vc1\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void signatureMatchesAnIndependentHmacSha256() {
        // expected values computed with Python's hmac/hashlib/base64 over the documented signing string
        Map<String, String> h = new RequestSigner("key1", "s3cret").sign("PUT", "/virtualcluster/vc1?x=1", BODY, 1767225600L, "ABCDEFGHIJ");
        assertEquals("SHA-256=Drtcm/yIY5/OnYN6YZM6iETLH0/LMiQ3lIwLXz+Nkbc=", h.get("Digest"));
        assertEquals("key1", h.get("X-Api-Key"));
        assertEquals("1767225600", h.get("timestamp"));
        assertEquals("ABCDEFGHIJ", h.get("nonce"));
        assertEquals("Signature keyId=\"key1\",algorithm=\"hmac-sha256\",headers=\"(request-target) nonce timestamp digest\","
                + "signature=\"Wx/BhaNlDjo7OtnQdkXfcvxUvoPgb3uj+weEum80TuY=\"", h.get("Authorization"));
    }

    @Test
    void emptyBodyHasTheDigestOfNothing() {
        Map<String, String> h = new RequestSigner("k", "s").sign("GET", "/whoami", null);
        assertEquals("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", h.get("Digest"));
    }

    @Test
    void methodPathAndBodyChangeTheSignature() {
        RequestSigner s = new RequestSigner("k", "s");
        String a = s.sign("GET", "/a", null, 1, "ABCDEFGHIJ").get("Authorization");
        assertNotEquals(a, s.sign("DELETE", "/a", null, 1, "ABCDEFGHIJ").get("Authorization"));
        assertNotEquals(a, s.sign("GET", "/b", null, 1, "ABCDEFGHIJ").get("Authorization"));
        assertNotEquals(a, s.sign("GET", "/a", BODY, 1, "ABCDEFGHIJ").get("Authorization"));
        assertNotEquals(a, s.sign("GET", "/a", null, 2, "ABCDEFGHIJ").get("Authorization"));
    }

    @Test
    void authorizationHeaderParsesBack() {
        Map<String, String> h = new RequestSigner("key1", "s3cret").sign("GET", "/x", null);
        Map<String, String> p = RequestSigner.parseAuthorization(h.get("Authorization"));
        assertEquals("key1", p.get("keyId"));
        assertEquals("hmac-sha256", p.get("algorithm"));
        assertEquals(RequestSigner.SIGNED_HEADERS, p.get("headers"));
        assertEquals(RequestSigner.signature("s3cret", RequestSigner.signingString("GET", "/x", h.get("nonce"),
                h.get("timestamp"), h.get("Digest"))), p.get("signature"));
        assertNull(RequestSigner.parseAuthorization("Basic dXNlcjpwdw=="));
        assertNull(RequestSigner.parseAuthorization("Signature keyId=unquoted"));
    }

    @Test
    void noncesAreFreshAndWellFormed() {
        String a = RequestSigner.newNonce();
        assertTrue(RequestSigner.validNonce(a), a);
        assertNotEquals(a, RequestSigner.newNonce());
        assertFalse(RequestSigner.validNonce("short"));
        assertFalse(RequestSigner.validNonce("has space in it"));
        assertFalse(RequestSigner.validNonce(null));
    }
}
