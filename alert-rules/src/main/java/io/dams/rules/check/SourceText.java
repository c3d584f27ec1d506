package io.dams.rules.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The text of a YAML source with SnakeYAML's notion of lines and columns (code points; a line ends at LF, CR LF, CR,
 * NEL, LS or PS), so that positions inside a scalar's value can be traced back to the file.
 */
final class SourceText {

    /** A 1-based line and column. */
    record Position(int line, int column) {
    }

    private final int[] codePoints;
    private final int[] lineStarts;

    SourceText(String text) {
        this.codePoints = text.codePoints().toArray();
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < codePoints.length; i++) {
            int c = codePoints[i];
            boolean crlf = c == '\r' && i + 1 < codePoints.length && codePoints[i + 1] == '\n';
            if (!crlf && isBreak(c)) {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    Position position(Mark mark) {
        return new Position(mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** Where each char of a scalar's value came from. */
    ScalarPositions scalar(ScalarNode node) {
        return new ScalarPositions(node);
    }

    private int index(Mark mark) {
        int line = Math.min(mark.getLine(), lineStarts.length - 1);
        return Math.min(lineStarts[line] + mark.getColumn(), codePoints.length);
    }

    private Position positionOf(int index) {
        int line = Arrays.binarySearch(lineStarts, index);
        if (line < 0) {
            line = -line - 2;
        }
        return new Position(line + 1, index - lineStarts[line] + 1);
    }

    private static boolean isBreak(int c) {
        return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }

    private static boolean isBlank(int c) {
        return c == ' ' || c == '\t' || isBreak(c);
    }

    /**
     * Maps offsets in a scalar's value to the file. YAML changes text on the way in (quotes, escapes, indentation
     * and line folding), so the value is aligned with the source: every non-blank char of the value is found at the
     * next source position holding it, skipping only what YAML removes (blanks, line breaks, quote and escape
     * characters). When the alignment fails (an escape such as {@code \u00e9}), every offset maps to the scalar's start.
     */
    final class ScalarPositions {

        private final int[] sourceIndex;
        private final int fallback;

        private ScalarPositions(ScalarNode node) {
            ScalarStyle style = node.getScalarStyle();
            int start = index(node.getStartMark());
            int end = index(node.getEndMark());
            if (style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED) {
                int headerLine = node.getStartMark().getLine();
                start = headerLine + 1 < lineStarts.length ? lineStarts[headerLine + 1] : end;
            } else if (style == ScalarStyle.SINGLE_QUOTED || style == ScalarStyle.DOUBLE_QUOTED) {
                start++;
            }
            this.fallback = start;
            this.sourceIndex = align(node.getValue(), style, start, end);
        }

        /** The position of the char at {@code offset} of the value; {@code value.length()} is just past its end. */
        Position at(int offset) {
            if (sourceIndex == null) {
                return positionOf(fallback);
            }
            return positionOf(sourceIndex[Math.max(0, Math.min(offset, sourceIndex.length - 1))]);
        }

        private int[] align(String value, ScalarStyle style, int start, int end) {
            int[] map = new int[value.length() + 1];
            int p = start;
            int i = 0;
            while (i < value.length()) {
                int c = value.codePointAt(i);
                if (c == ' ' || c == '\t' || c == '\n') {
                    if (p < end && codePoints[p] == c) {
                        map[i] = p++;
                    } else if (p < end && isBlank(codePoints[p])) {
                        map[i] = p; // a folded line break: the blanks that became this one char
                        while (p < end && isBlank(codePoints[p])) {
                            p++;
                        }
                    } else if (p + 1 < end && style == ScalarStyle.DOUBLE_QUOTED && codePoints[p] == '\\') {
                        map[i] = p;
                        p += 2;
                    } else {
                        return null;
                    }
                } else {
                    while (p < end && codePoints[p] != c && skippable(codePoints[p], style)) {
                        p++;
                    }
                    if (p >= end || codePoints[p] != c) {
                        return null;
                    }
                    map[i] = p++;
                }
                if (Character.isSupplementaryCodePoint(c)) {
                    map[i + 1] = map[i];
                }
                i += Character.charCount(c);
            }
            map[value.length()] = value.isEmpty() ? start : map[value.length() - 1] + 1;
            return map;
        }

        private static boolean skippable(int c, ScalarStyle style) {
            return isBlank(c)
                    || (style == ScalarStyle.DOUBLE_QUOTED && c == '\\')
                    || (style == ScalarStyle.SINGLE_QUOTED && c == '\'');
        }
    }
}
