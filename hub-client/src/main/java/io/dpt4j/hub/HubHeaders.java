package io.dpt4j.hub;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pure parsing functions for the HTTP headers the Hub sends (no I/O, unit-tested on plain strings). */
public final class HubHeaders {
    private HubHeaders() {}

    private static final Pattern CONTENT_RANGE = Pattern.compile("^\\s*bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)\\s*$");
    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");

    /**
     * Normalises an ETag into a string usable as a blob file name: strips a weak {@code W/} prefix and the
     * surrounding double quotes ({@code W/"abc"} and {@code "abc"} both give {@code abc}).
     *
     * @return the normalised value, or null when the header is absent or blank
     */
    public static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        } else {
            e = e.replace("\"", "");
        }
        return e.isEmpty() ? null : e;
    }

    /**
     * Parses {@code Retry-After}: either delta-seconds ({@code "120"}) or an HTTP date.
     *
     * @param now the current time, used for the date form
     * @return the wait, never negative; null when absent or unparseable
     */
    public static Duration parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                return null; // absurdly long: ignore
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A parsed {@code Content-Range: bytes start-end/total} ({@code total} is -1 for {@code *}). */
    public record ContentRange(long start, long end, long total) {}

    /** Parses {@code Content-Range}; null when absent or not of the {@code bytes a-b/n} form. */
    public static ContentRange parseContentRange(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = CONTENT_RANGE.matcher(value);
        if (!m.matches()) {
            return null;
        }
        try {
            long start = Long.parseLong(m.group(1));
            long end = Long.parseLong(m.group(2));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (end < start) {
                return null;
            }
            return new ContentRange(start, end, total);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A header value fit for a one-line message: control characters escaped, at most 80 characters. */
    public static String printable(String value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length() && sb.length() < 80; i++) {
            char c = value.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return value.length() > 80 ? sb + "..." : sb.toString();
    }

    /** The value of a {@code Range} header that asks for everything from {@code offset} on. */
    public static String rangeFrom(long offset) {
        return "bytes=" + offset + "-";
    }

    /** Parses a non-negative integer header ({@code Content-Length}, {@code X-Linked-Size}); empty otherwise. */
    public static OptionalLong parseSize(String value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            long v = Long.parseLong(value.trim());
            return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The URL of {@code rel="next"} in a GitHub-style {@code Link} header (Hub pagination); null if none. */
    public static String nextPageUrl(String link) {
        if (link == null) {
            return null;
        }
        Matcher m = LINK_NEXT.matcher(link);
        return m.find() ? m.group(1) : null;
    }

    /**
     * Exponential backoff: {@code base * 2^(attempt-1)}, capped at {@code max}; a server's Retry-After
     * (capped at {@code maxRetryAfter}) replaces it when present.
     *
     * @param attempt 1 for the wait after the first failure
     */
    public static Duration backoff(int attempt, Duration base, Duration max, Duration retryAfter, Duration maxRetryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
        }
        long ms = base.toMillis();
        for (int i = 1; i < attempt && ms < max.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }
}
