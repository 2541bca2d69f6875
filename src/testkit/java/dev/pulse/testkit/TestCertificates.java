package dev.pulse.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA and a server certificate it signed for {@code localhost} and {@code 127.0.0.1}, made with the JDK's
 * {@code keytool} (nothing else needed): PEM files for a server such as {@code redis-server}, and the CA as a PKCS12
 * trust store and as PEM for clients.
 *
 * @param caPem           the CA certificate, PEM
 * @param truststore      a PKCS12 trust store holding the CA
 * @param serverCertPem   the server certificate, PEM
 * @param serverKeyPem    the server's private key, PKCS#8 PEM, unencrypted
 */
public record TestCertificates(Path caPem, Path truststore, String truststorePassword, Path serverCertPem,
                               Path serverKeyPem) {

    /** Makes them in a new directory under {@code dir}. */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempDirectory(Files.createDirectories(dir), "certs-");
        String pass = "store-" + Long.toHexString(System.nanoTime());
        Path ca = out.resolve("ca.p12");
        Path server = out.resolve("server.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Pulse test CA",
            "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", ca.toString(), "-storepass", pass);
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
            "-validity", "2", "-storetype", "PKCS12", "-keystore", server.toString(), "-storepass", pass);
        Path csr = out.resolve("server.csr");
        keytool("-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", pass, "-file", csr.toString());
        Path serverCert = out.resolve("server.crt");
        keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pass, "-infile", csr.toString(),
            "-outfile", serverCert.toString(), "-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth",
            "-validity", "2", "-rfc");
        Path caPem = out.resolve("ca.crt");
        keytool("-exportcert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", pass, "-rfc",
            "-file", caPem.toString());
        Path truststore = out.resolve("truststore.p12");
        keytool("-importcert", "-noprompt", "-alias", "pulse-test-ca", "-file", caPem.toString(), "-storetype", "PKCS12",
            "-keystore", truststore.toString(), "-storepass", pass);
        Path serverKey = out.resolve("server.key");
        Files.writeString(serverKey, privateKeyPem(server, pass), StandardCharsets.US_ASCII);
        return new TestCertificates(caPem, truststore, pass, serverCert, serverKey);
    }

    private static String privateKeyPem(Path keystore, String pass) throws IOException {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, pass.toCharArray());
            Key key = store.getKey("server", pass.toCharArray());
            return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        } catch (GeneralSecurityException e) {
            throw new IOException("could not read the server key", e);
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }
}
