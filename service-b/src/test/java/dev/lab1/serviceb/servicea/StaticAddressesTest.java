package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code static://h1:p1,h2:p2}: the list of A's replicas that grpc-java's own target parser refuses. */
class StaticAddressesTest {

    @Test
    void everyReplicaOfTheListIsAnAddress() {
        var addresses = StaticAddresses.parse("static://127.0.0.1:8080, 127.0.0.1:8082,localhost:8083");

        assertThat(addresses.size()).isEqualTo(3);
        assertThat(resolve(addresses).addresses()).containsExactly(
                new InetSocketAddress("127.0.0.1", 8080), new InetSocketAddress("127.0.0.1", 8082),
                new InetSocketAddress("localhost", 8083));
    }

    @Test
    void aNameThatDoesNotResolveIsLeftOutUntilItDoes() {
        var addresses = StaticAddresses.parse("static://127.0.0.1:8080,no-such-host.invalid:8080");

        assertThat(resolve(addresses).addresses()).containsExactly(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(resolve(StaticAddresses.parse("static://no-such-host.invalid:8080")).error().getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"static://", "static://host", "static://host:0", "static://host:8080,", "static://a:1,,b:2",
            "static://host:8080/path", "dns:///host:8080"})
    void aMalformedListIsRefusedWithTheEntryNamed(String address) {
        assertThatThrownBy(() -> StaticAddresses.parse(address)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRefreshGivesTheChannelTheListOnlyWhenItChanged() {
        NameResolver resolver = StaticAddresses.parse("static://127.0.0.1:8080,127.0.0.1:8082")
                .newNameResolver(URI.create(StaticAddresses.TARGET), null);
        var results = new ArrayList<NameResolver.ResolutionResult>();
        var errors = new ArrayList<Status>();
        resolver.start(new NameResolver.Listener2() {
            @Override
            public void onResult(NameResolver.ResolutionResult result) {
                results.add(result);
            }

            @Override
            public void onError(Status error) {
                errors.add(error);
            }
        });
        resolver.refresh();
        resolver.refresh();

        // One result: the same list again would make grpc-java 1.85.1's outlier detection fail
        // calls in flight (OutlierDetectionRefreshTest).
        assertThat(results).hasSize(1);
        assertThat(errors).isEmpty();
    }

    @Test
    void anUnresolvableListIsReportedOnEveryRefresh() {
        NameResolver resolver = StaticAddresses.parse("static://no-such-host.invalid:8080")
                .newNameResolver(URI.create(StaticAddresses.TARGET), null);
        var errors = new ArrayList<Status>();
        resolver.start(new NameResolver.Listener2() {
            @Override
            public void onResult(NameResolver.ResolutionResult result) {
            }

            @Override
            public void onError(Status error) {
                errors.add(error);
            }
        });
        resolver.refresh();

        assertThat(errors).hasSize(2);
    }

    private record Resolution(List<InetSocketAddress> addresses, Status error) {
    }

    private static Resolution resolve(StaticAddresses addresses) {
        NameResolver resolver = addresses.newNameResolver(URI.create(StaticAddresses.TARGET), null);
        var found = new ArrayList<InetSocketAddress>();
        var errors = new ArrayList<Status>();
        resolver.start(new NameResolver.Listener2() {
            @Override
            public void onResult(NameResolver.ResolutionResult result) {
                for (EquivalentAddressGroup group : result.getAddressesOrError().getValue()) {
                    group.getAddresses().forEach(a -> found.add((InetSocketAddress) a));
                }
            }

            @Override
            public void onError(Status error) {
                errors.add(error);
            }
        });
        return new Resolution(found, errors.isEmpty() ? null : errors.get(0));
    }
}
