package org.cloudmesh.cms.aws;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Puts the path of an endpoint override back in front of every request. The SDK's query-protocol clients (EC2)
 * send every call to {@code /} of the override's host, dropping its path (aws/aws-sdk-java-v2#3387), so an
 * EC2-compatible cloud served under a path (Eucalyptus's {@code /services/compute}) would never be reached.
 * Requests run through interceptors before they are signed, so the signature covers the path sent. A request that
 * already carries the path (an SDK that keeps it) is left as it is.
 */
final class EndpointPath implements ExecutionInterceptor {
    private final String path;

    private EndpointPath(String path) {
        this.path = path;
    }

    /** The interceptor for an endpoint with a path; none for one at the root. */
    static Optional<EndpointPath> of(URI endpoint) {
        String p = endpoint.getRawPath();
        return p == null || p.isEmpty() || p.equals("/") ? Optional.empty() : Optional.of(new EndpointPath(p));
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest r = context.httpRequest();
        String sent = r.encodedPath() == null ? "" : r.encodedPath();
        String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (sent.equals(path) || sent.equals(base) || sent.startsWith(base + "/")) return r;
        String joined = sent.isEmpty() || sent.equals("/") ? path : base + (sent.startsWith("/") ? sent : "/" + sent);
        return r.toBuilder().encodedPath(joined).build();
    }
}
