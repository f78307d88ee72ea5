package dev.lab1.serviceb.servicea;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;

/**
 * A fixed list of A's replicas, {@code static://host1:port1,host2:port2}, as a name resolver.
 *
 * <p>grpc-java parses channel targets as RFC 3986 URIs, whose host cannot hold a comma-separated
 * list (so net.devh's own {@code static://} resolver fails at start-up with several hosts). The list
 * is parsed here instead, and the channel is given the plain target {@value #TARGET}. Host names are
 * looked up on every resolution, so a name that did not resolve at start-up is found later; the list
 * is given to the channel only when it differs from the last one given.
 *
 * <p>Each replica is called by its own name (HTTP/2 {@code :authority}, and the name its TLS
 * certificate must carry), not by the first host of the list, unless one name is set for all
 * ({@code service-b.service-a.tls.server-name}).
 */
final class StaticAddresses extends NameResolverProvider {

    static final String SCHEME = "static";
    static final String TARGET = SCHEME + ":///service-a";

    private final List<String> hosts;
    private final List<Integer> ports;
    private final String authority;
    private final boolean eachReplicaItsOwnName;

    private StaticAddresses(List<String> hosts, List<Integer> ports, boolean eachReplicaItsOwnName) {
        this.hosts = hosts;
        this.ports = ports;
        this.authority = hosts.get(0) + ":" + ports.get(0);
        this.eachReplicaItsOwnName = eachReplicaItsOwnName;
    }

    /** The list in {@code address}, or an exception naming what is wrong with it. */
    static StaticAddresses parse(String address) {
        return parse(address, true);
    }

    /**
     * @param eachReplicaItsOwnName call each replica by its own host (false: by the channel's one
     *                              authority, the first host or the override)
     */
    static StaticAddresses parse(String address, boolean eachReplicaItsOwnName) {
        if (!address.startsWith(SCHEME + "://")) {
            throw new IllegalArgumentException("not a static:// address: " + address);
        }
        List<String> hosts = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (String entry : address.substring(SCHEME.length() + 3).split(",", -1)) {
            URI uri = URI.create("//" + entry.trim());
            if (uri.getHost() == null || uri.getPort() < 1 || !(uri.getPath() == null || uri.getPath().isEmpty())) {
                throw new IllegalArgumentException("service-b.service-a.address: '" + entry
                        + "' is not host:port (expected static://host1:port1,host2:port2)");
            }
            hosts.add(uri.getHost());
            ports.add(uri.getPort());
        }
        return new StaticAddresses(List.copyOf(hosts), List.copyOf(ports), eachReplicaItsOwnName);
    }

    int size() {
        return hosts.size();
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        return SCHEME.equals(targetUri.getScheme()) ? new Resolver() : null;
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    private final class Resolver extends NameResolver {

        private Listener2 listener;
        /** The list last given to the channel (null: none yet, or an error since). */
        private List<EquivalentAddressGroup> published;

        @Override
        public String getServiceAuthority() {
            return authority;
        }

        @Override
        public void start(Listener2 listener) {
            this.listener = listener;
            resolve();
        }

        @Override
        public void refresh() {
            resolve();
        }

        private void resolve() {
            List<EquivalentAddressGroup> groups = new ArrayList<>();
            List<String> unresolved = new ArrayList<>();
            for (int i = 0; i < hosts.size(); i++) {
                var address = new InetSocketAddress(hosts.get(i), ports.get(i));
                if (address.isUnresolved()) {
                    unresolved.add(hosts.get(i));
                } else {
                    groups.add(eachReplicaItsOwnName
                            ? new EquivalentAddressGroup(address, Attributes.newBuilder().set(
                                    EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, hosts.get(i) + ":" + ports.get(i)).build())
                            : new EquivalentAddressGroup(address));
                }
            }
            if (groups.isEmpty()) {
                published = null;
                listener.onError(Status.UNAVAILABLE.withDescription("no address of A resolves: " + unresolved));
            } else if (!groups.equals(published)) {
                published = List.copyOf(groups);
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
            }
            // The same list again is not given to the channel: with grpc-java 1.85.1 every result
            // makes outlier detection drop and re-add each replica's call tracker, and a call picked
            // in between fails with a NullPointerException (issue 22, OutlierDetectionRefreshTest);
            // it also resets outlier detection's call counts. The channel refreshes the resolver on
            // every resetConnectBackoff (each reconnect-interval) and every lost connection.
        }

        @Override
        public void shutdown() {
        }
    }
}
