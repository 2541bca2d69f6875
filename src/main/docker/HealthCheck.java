import java.net.HttpURLConnection;
import java.net.URL;

/**
 * The container health probe: exits 0 when Pulse's liveness endpoint answers 200, non-zero on anything else.
 * The runtime image has no curl or wget, so the probe is this class, run with the image's own JRE. It reads
 * MICRONAUT_SERVER_PORT (default 8080) and MICRONAUT_SERVER_HOST (when it names an address, the server listens there
 * only; default loopback); an argument replaces the URL. Compiled into /app/healthcheck by the
 * Dockerfile and by the Maven image profile (JreBaseImage.java).
 */
public class HealthCheck {
    public static void main(String[] args) throws Exception {
        String port = System.getenv().getOrDefault("MICRONAUT_SERVER_PORT", "8080");
        String host = System.getenv().getOrDefault("MICRONAUT_SERVER_HOST", "").strip();
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        String url = args.length > 0 ? args[0] : "http://" + host + ":" + port + "/health/liveness";
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(3000);
        System.exit(c.getResponseCode() == 200 ? 0 : 1);
    }
}
