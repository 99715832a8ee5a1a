package org.cloudmesh.cms.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestCall;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.api.rest.RestHandler;
import org.cloudmesh.cms.api.rest.RestReply;

/** The routes as the server would hold them, called with a fake request: method, path, principal, JSON body. */
final class FakeRest implements RestApi {
    record Route(String method, String path, RestHandler handler, boolean open) {
    }

    record Answer(int status, Object body, Map<String, String> headers, List<String> audit) {
        String json() {
            try {
                return new ObjectMapper().writeValueAsString(body);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    final List<Route> routes = new ArrayList<>();

    @Override
    public void get(String path, RestHandler h) {
        routes.add(new Route("GET", path, h, false));
    }

    @Override
    public void post(String path, RestHandler h) {
        routes.add(new Route("POST", path, h, false));
    }

    @Override
    public void put(String path, RestHandler h) {
        routes.add(new Route("PUT", path, h, false));
    }

    @Override
    public void delete(String path, RestHandler h) {
        routes.add(new Route("DELETE", path, h, false));
    }

    @Override
    public void publicGet(String path, RestHandler h) {
        routes.add(new Route("GET", path, h, true));
    }

    /** Calls the route matching method and path; a RestException becomes its status and {code, message, field}. */
    Answer call(Principal who, String method, String path, String json) {
        for (Route r : routes) {
            Map<String, String> params = match(r.path(), path);
            if (params == null || !r.method().equals(method)) continue;
            List<String> audit = new ArrayList<>();
            RestCall call = new RestCall() {
                public Principal principal() {
                    return r.open() ? Principal.ANONYMOUS : who;
                }

                public String pathParam(String name) {
                    return params.get(name);
                }

                public Optional<String> query(String name) {
                    return Optional.empty();
                }

                public <T> T body(Class<T> type) {
                    if (json == null || json.isEmpty()) return null;
                    try {
                        return new ObjectMapper().readValue(json, type);
                    } catch (Exception e) {
                        throw RestException.badRequest("malformed JSON: " + e.getMessage(), null);
                    }
                }

                public byte[] bodyBytes() {
                    return json == null ? new byte[0] : json.getBytes();
                }

                public Optional<String> header(String name) {
                    return Optional.empty();
                }

                public Optional<FilePart> file(String field) {
                    return Optional.empty();
                }

                public String remoteAddress() {
                    return "127.0.0.1";
                }

                public void auditTarget(String cluster, String nodes) {
                    audit.add(cluster + (nodes == null ? "" : "/" + nodes));
                }

                public void requireFreshSecondFactor() {
                    throw RestException.unauthorized("no second factor");
                }
            };
            try {
                RestReply reply = r.handler().handle(call);
                return new Answer(reply.status(), reply.body(), reply.headers(), audit);
            } catch (RestException e) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("code", e.httpStatus());
                err.put("message", e.getMessage());
                err.put("field", e.field());
                return new Answer(e.httpStatus(), err, Map.of(), audit);
            } catch (org.cloudmesh.cms.api.CmsException e) {
                return new Answer(400, Map.of("code", 400, "message", e.getMessage()), Map.of(), audit);
            }
        }
        return new Answer(404, Map.of("code", 404, "message", "no route"), Map.of(), List.of());
    }

    private static Map<String, String> match(String pattern, String path) {
        String[] p = pattern.split("/");
        String[] a = path.split("/");
        if (p.length != a.length) return null;
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < p.length; i++) {
            if (p[i].startsWith("{")) params.put(p[i].substring(1, p[i].length() - 1), a[i]);
            else if (!p[i].equals(a[i])) return null;
        }
        return params;
    }
}
