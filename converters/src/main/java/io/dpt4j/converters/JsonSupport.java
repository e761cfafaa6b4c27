package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Strict JSON reading for headers and index files: duplicate keys and trailing garbage refused. */
final class JsonSupport {
    private JsonSupport() {}

    static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(64)
                    .build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    /** Decodes strict UTF-8 and parses one JSON value. */
    static JsonNode parse(Path file, byte[] bytes, String what) throws CheckpointException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(Kind.INVALID_HEADER, file, null, what + " is not valid UTF-8");
        }
        try {
            return STRICT.readTree(text);
        } catch (JacksonException e) {
            String m = e.getOriginalMessage();
            throw new CheckpointException(Kind.INVALID_HEADER_DESERIALIZATION, file, null, what + " is not well-formed JSON: " + m
                    + (e.getLocation() != null ? " (at char " + e.getLocation().getCharOffset() + ")" : ""));
        }
    }
}
