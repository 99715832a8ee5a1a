package org.cloudmesh.cms.comet.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestCall;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.api.rest.RestHandler;
import org.cloudmesh.cms.api.rest.RestReply;

/**
 * The routes of a plugin without an HTTP server: a RestApi that keeps the handlers, and calls that match a method and
 * path to one, as the server would (path parameters, query, JSON body, the error a handler throws as status and
 * message, the audit target, the second factor).
 */
final class FakeRest implements RestApi {
    static final ObjectMapper JSON = new ObjectMapper();
    final Map<String, RestHandler> routes = new LinkedHashMap<>();
    final Map<String, Boolean> open = new HashMap<>();

    @Override
    public void get(String path, RestHandler h) {
        routes.put("GET " + path, h);
    }

    @Override
    public void post(String path, RestHandler h) {
        routes.put("POST " + path, h);
    }

    @Override
    public void put(String path, RestHandler h) {
        routes.put("PUT " + path, h);
    }

    @Override
    public void delete(String path, RestHandler h) {
        routes.put("DELETE " + path, h);
    }

    @Override
    public void publicGet(String path, RestHandler h) {
        routes.put("GET " + path, h);
        open.put("GET " + path, true);
    }

    /** What the server would send: status, body (parsed JSON), Location, and the audit target. */
    record Answer(int status, Object body, String location, String auditCluster, String auditNodes) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map() {
            return (Map<String, Object>) body;
        }

        @SuppressWarnings("unchecked")
        List<Object> list() {
            return (List<Object>) body;
        }

        String message() {
            return String.valueOf(map().get("message"));
        }
    }

    Answer call(Principal who, String method, String pathAndQuery, Object body) {
        return call(who, method, pathAndQuery, body, false);
    }

    Answer call(Principal who, String method, String pathAndQuery, Object body, boolean freshCode) {
        return call(who, method, pathAndQuery, body, freshCode, Map.of());
    }

    /** With request headers (names in lower case). */
    Answer call(Principal who, String method, String pathAndQuery, Object body, boolean freshCode, Map<String, String> headers) {
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        Map<String, String> query = new HashMap<>();
        if (pathAndQuery.contains("?")) {
            for (String kv : pathAndQuery.substring(pathAndQuery.indexOf('?') + 1).split("&")) {
                String[] p = kv.split("=", 2);
                query.put(p[0], p.length > 1 ? java.net.URLDecoder.decode(p[1], java.nio.charset.StandardCharsets.UTF_8) : "");
            }
        }
        for (Map.Entry<String, RestHandler> r : routes.entrySet()) {
            String[] mp = r.getKey().split(" ", 2);
            if (!mp[0].equals(method)) continue;
            Matcher m = Pattern.compile(mp[1].replaceAll("\\{([a-z]+)\\}", "(?<$1>[^/]+)")).matcher(path);
            if (!m.matches()) continue;
            Map<String, String> params = new HashMap<>();
            Matcher names = Pattern.compile("\\{([a-z]+)\\}").matcher(mp[1]);
            while (names.find()) params.put(names.group(1), java.net.URLDecoder.decode(m.group(names.group(1)), java.nio.charset.StandardCharsets.UTF_8));
            Call c = new Call(open.containsKey(r.getKey()) ? Principal.ANONYMOUS : who, params, query, body, freshCode);
            c.headers.putAll(headers);
            try {
                RestReply reply = r.getValue().handle(c);
                Object parsed = reply.body() == null ? null : JSON.readValue(JSON.writeValueAsBytes(reply.body()), Object.class);
                return new Answer(reply.status(), parsed, reply.headers().get("Location"), c.cluster, c.nodes);
            } catch (RestException x) {
                return new Answer(x.httpStatus(), error(x.httpStatus(), x.getMessage(), x.field()), null, c.cluster, c.nodes);
            } catch (CmsException x) {
                return new Answer(400, error(400, x.getMessage(), null), null, c.cluster, c.nodes);
            } catch (IOException x) {
                throw new AssertionError(x);
            }
        }
        return new Answer(404, error(404, "no route " + method + " " + path, null), null, null, null);
    }

    static Map<String, Object> error(int code, String message, String field) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("message", message);
        m.put("field", field);
        return m;
    }

    static final class Call implements RestCall {
        final Principal who;
        final Map<String, String> params;
        final Map<String, String> query;
        final Object body;
        final boolean freshCode;
        final Map<String, String> headers = new HashMap<>();
        String cluster;
        String nodes;

        Call(Principal who, Map<String, String> params, Map<String, String> query, Object body, boolean freshCode) {
            this.who = who;
            this.params = params;
            this.query = query;
            this.body = body;
            this.freshCode = freshCode;
        }

        @Override
        public Principal principal() {
            return who;
        }

        @Override
        public String pathParam(String name) {
            return params.get(name);
        }

        @Override
        public Optional<String> query(String name) {
            return Optional.ofNullable(query.get(name));
        }

        @Override
        public <T> T body(Class<T> type) {
            if (body == null) throw RestException.badRequest("a JSON body is required", null);
            return JSON.convertValue(body, type);
        }

        @Override
        public byte[] bodyBytes() {
            return body instanceof byte[] b ? b : new byte[0];
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
        }

        @Override
        public Optional<FilePart> file(String field) {
            return body instanceof FilePart f && field.equals("file") ? Optional.of(f) : Optional.empty();
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public void auditTarget(String cluster, String nodes) {
            this.cluster = cluster;
            this.nodes = nodes;
        }

        @Override
        public void requireFreshSecondFactor() {
            if (!freshCode) throw RestException.unauthorized("this needs a fresh one-time code");
        }
    }
}
