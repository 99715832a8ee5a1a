package org.cloudmesh.cms.azure;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.ProviderConfig;

/** TLS that trusts the JDK's certificate authorities and those of one more file ({@code cm.cacert}, PEM or DER). */
final class Trust {
    private Trust() {
    }

    static SSLContext with(Path file, String cloud) {
        String key = ProviderConfig.PREFIX + cloud + ".cm.cacert";
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (Exception e) {
            throw new CmsException("cloud '" + cloud + "': " + key + " '" + file + "' is not a readable certificate file"
                    + " (PEM or DER): " + e.getMessage());
        }
        if (certs.isEmpty()) throw new CmsException("cloud '" + cloud + "': " + key + " '" + file + "' holds no certificate");
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            Path jdk = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
            if (Files.isReadable(jdk)) {
                try (InputStream in = Files.newInputStream(jdk)) {
                    ks.load(in, null);
                }
            } else {
                ks.load(null, null);
            }
            int i = 0;
            for (Certificate c : certs) ks.setCertificateEntry("cms-cacert-" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new CmsException("cloud '" + cloud + "': cannot set up TLS with " + key + ": " + e.getMessage(), e);
        }
    }
}
