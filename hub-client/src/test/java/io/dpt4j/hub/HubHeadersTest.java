package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HubHeadersTest {
    @Test
    void normalizesEtags() {
        assertEquals("abc", HubHeaders.normalizeEtag("\"abc\""));
        assertEquals("abc", HubHeaders.normalizeEtag("W/\"abc\""));
        assertEquals("abc", HubHeaders.normalizeEtag("abc"));
        assertEquals("abc", HubHeaders.normalizeEtag(" \"abc\" "));
        assertNull(HubHeaders.normalizeEtag(null));
        assertNull(HubHeaders.normalizeEtag("\"\""));
    }

    @Test
    void parsesRetryAfterSecondsAndDates() {
        Instant now = Instant.parse("2015-10-21T07:27:00Z");
        assertEquals(Duration.ofSeconds(120), HubHeaders.parseRetryAfter("120", now));
        assertEquals(Duration.ofSeconds(0), HubHeaders.parseRetryAfter("0", now));
        assertEquals(Duration.ofSeconds(60), HubHeaders.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now));
        assertEquals(Duration.ZERO, HubHeaders.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now));
        assertNull(HubHeaders.parseRetryAfter("soon", now));
        assertNull(HubHeaders.parseRetryAfter("-5", now));
        assertNull(HubHeaders.parseRetryAfter(null, now));
    }

    @Test
    void parsesContentRange() {
        assertEquals(new HubHeaders.ContentRange(100, 199, 1000), HubHeaders.parseContentRange("bytes 100-199/1000"));
        assertEquals(new HubHeaders.ContentRange(0, 9, -1), HubHeaders.parseContentRange("bytes 0-9/*"));
        assertNull(HubHeaders.parseContentRange("bytes */1000"));
        assertNull(HubHeaders.parseContentRange("bytes 9-0/10"));
        assertNull(HubHeaders.parseContentRange("items 0-1/2"));
        assertNull(HubHeaders.parseContentRange(null));
        assertEquals("bytes=42-", HubHeaders.rangeFrom(42));
    }

    @Test
    void parsesSizesAndLinks() {
        assertEquals(OptionalLong.of(12), HubHeaders.parseSize("12"));
        assertEquals(OptionalLong.empty(), HubHeaders.parseSize("-1"));
        assertEquals(OptionalLong.empty(), HubHeaders.parseSize("x"));
        assertEquals("https://h/api/x?cursor=2",
                HubHeaders.nextPageUrl("<https://h/api/x?cursor=2>; rel=\"next\""));
        assertEquals("https://h/n", HubHeaders.nextPageUrl("<https://h/p>; rel=\"prev\", <https://h/n>; rel=\"next\""));
        assertNull(HubHeaders.nextPageUrl("<https://h/p>; rel=\"prev\""));
    }

    @Test
    void backoffDoublesCapsAndHonoursRetryAfter() {
        Duration base = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(8);
        Duration cap = Duration.ofSeconds(60);
        assertEquals(Duration.ofSeconds(1), HubHeaders.backoff(1, base, max, null, cap));
        assertEquals(Duration.ofSeconds(2), HubHeaders.backoff(2, base, max, null, cap));
        assertEquals(Duration.ofSeconds(4), HubHeaders.backoff(3, base, max, null, cap));
        assertEquals(Duration.ofSeconds(8), HubHeaders.backoff(4, base, max, null, cap));
        assertEquals(Duration.ofSeconds(8), HubHeaders.backoff(30, base, max, null, cap));
        assertEquals(Duration.ofSeconds(17), HubHeaders.backoff(1, base, max, Duration.ofSeconds(17), cap));
        assertEquals(cap, HubHeaders.backoff(1, base, max, Duration.ofHours(2), cap));
    }
}
