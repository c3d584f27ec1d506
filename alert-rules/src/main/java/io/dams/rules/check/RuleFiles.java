package io.dams.rules.check;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Reads and checks rule files such as {@code policies.yaml}. */
public final class RuleFiles {

    private RuleFiles() {
    }

    /** Where the shipped {@code alert-rules/policies.yaml} is on the class path. */
    public static final String SHIPPED_POLICIES = "/io/dams/rules/policies.yaml";

    /**
     * The shipped {@code policies.yaml} (the seed's rules and the examples of the docs), checked.
     *
     * @param knownChannels the notification channels rules may name
     */
    public static RuleFile shipped(Set<String> knownChannels) {
        try (InputStream in = RuleFiles.class.getResourceAsStream(SHIPPED_POLICIES)) {
            if (in == null) {
                throw new IllegalStateException(SHIPPED_POLICIES + " is missing from the class path");
            }
            return new RuleChecker(knownChannels).check(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    "policies.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SHIPPED_POLICIES + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a rule file (UTF-8) and checks it.
     *
     * @param knownChannels the notification channels rules may name (from the central configuration)
     * @throws UncheckedIOException when the file cannot be read; a missing or non-UTF-8 file is a problem instead
     */
    public static RuleFile load(Path file, Set<String> knownChannels) {
        String source = file.toString();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            return new RuleFile(source, List.of(), List.of(new Problem(source, 1, 1, "",
                    "no such file; give the path of a rule file such as alert-rules/policies.yaml")));
        } catch (CharacterCodingException e) {
            return new RuleFile(source, List.of(), List.of(new Problem(source, 1, 1, "",
                    "the file is not UTF-8 text; save it as UTF-8")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return new RuleChecker(knownChannels).check(text, source);
    }
}
