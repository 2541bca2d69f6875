package dev.pulse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports, for servers a test starts on a port it must know beforehand. */
public final class Ports {

    private Ports() {
    }

    /** A port free on every interface now (another process may still take it before the server binds it). */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** A port free on {@code host} now, for example on a loopback address such as {@code 127.0.0.2}. */
    public static int free(String host) {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }
}
