package dev.lab1.servicea.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.servlet.RequestDispatcher;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A's HTTP guards without a server: the body refusal (any Content-Length above 0, any
 * Transfer-Encoding), the JSON error page it renders to, and the header deadline's setting.
 */
class RequestBodyRefusalUnitTest {

    private final RequestBodyRefusingFilter filter = new RequestBodyRefusingFilter();

    private MockHttpServletResponse filter(MockHttpServletRequest request, MockFilterChain chain) throws Exception {
        var response = new MockHttpServletResponse();
        filter.doFilter(request, response, chain);
        return response;
    }

    @Test
    void aBodyOfOneByteIsRefusedBeforeAnythingReadsIt() throws Exception {
        var request = new MockHttpServletRequest("POST", "/actuator/health");
        request.setContent(new byte[1]);
        var chain = new MockFilterChain();

        var response = filter(request, chain);

        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(chain.getRequest()).as("the rest of the chain never ran").isNull();
    }

    @Test
    void anyTransferEncodingIsRefusedWhateverTheLength() throws Exception {
        var request = new MockHttpServletRequest("POST", "/actuator/health");
        request.addHeader(HttpHeaders.TRANSFER_ENCODING, "chunked");
        var chain = new MockFilterChain();

        var response = filter(request, chain);

        assertThat(request.getContentLengthLong()).isEqualTo(-1);
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void anEmptyBodyOrNoneAtAllIsServed() throws Exception {
        var empty = new MockHttpServletRequest("POST", "/actuator/health");
        empty.setContent(new byte[0]);
        var emptyChain = new MockFilterChain();
        assertThat(filter(empty, emptyChain).getStatus()).isEqualTo(200);
        assertThat(emptyChain.getRequest()).isSameAs(empty);

        var none = new MockHttpServletRequest("GET", "/actuator/health");
        var noneChain = new MockFilterChain();
        assertThat(filter(none, noneChain).getStatus()).isEqualTo(200);
        assertThat(noneChain.getRequest()).isSameAs(none);
    }

    @Test
    void theRefusalIsRenderedInAsJson() {
        ResponseEntity<byte[]> answer = error(413);

        assertThat(answer.getStatusCode().value()).isEqualTo(413);
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        assertThat(new String(answer.getBody(), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":\"Content Too Large: A takes no request body\",\"status\":413}");
    }

    @Test
    void otherErrorsCarryTheirReasonPhraseOrTheirNumber() {
        assertThat(new String(error(405).getBody(), StandardCharsets.UTF_8))
                .isEqualTo("{\"error\":\"Method Not Allowed\",\"status\":405}");
        assertThat(error(599).getStatusCode().value()).isEqualTo(599);
        assertThat(new String(error(599).getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"HTTP 599\",\"status\":599}");
    }

    @Test
    void errorAskedForDirectlyIsNotFound() {
        ResponseEntity<byte[]> answer = new JsonErrorController().error(new MockHttpServletRequest("GET", "/error"));

        assertThat(answer.getStatusCode().value()).isEqualTo(404);
        assertThat(new String(answer.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"Not Found\",\"status\":404}");
    }

    @Test
    void theHeaderDeadlineMustBePositive() {
        assertThatThrownBy(() -> new HttpLimits(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("service-a.http.request-header-timeout");
        assertThatThrownBy(() -> new HttpLimits(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpLimits(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new HttpLimits(Duration.ofMillis(1)).requestHeaderTimeout()).isEqualTo(Duration.ofMillis(1));
    }

    private static ResponseEntity<byte[]> error(int status) {
        var request = new MockHttpServletRequest("GET", "/actuator/health");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, status);
        return new JsonErrorController().error(request);
    }
}
