package dev.pulse.bench;

import java.util.SplittableRandom;

/**
 * Distinct lower-case ASCII words (so Pulse's split on non-letters and the plain peer's {@code \W+} split agree),
 * drawn with a Zipf-like (1/rank) frequency: a few words are very common, most are rare, as in text.
 */
final class Vocabulary {

    private static final String CONSONANTS = "bcdfghjklmnprstvwz";
    private static final String VOWELS = "aeiou";

    private final String[] words;
    private final double[] cumulative;
    private final SplittableRandom random;

    Vocabulary(int size, long seed) {
        words = new String[size];
        cumulative = new double[size];
        double total = 0;
        for (int i = 0; i < size; i++) {
            words[i] = word(i);
            total += 1.0 / (i + 1);
            cumulative[i] = total;
        }
        for (int i = 0; i < size; i++) {
            cumulative[i] /= total;
        }
        random = new SplittableRandom(seed);
    }

    int size() {
        return words.length;
    }

    String get(int index) {
        return words[index];
    }

    /** The index of the next word drawn. */
    int next() {
        double u = random.nextDouble();
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Word number {@code i}: syllables of the digits of {@code i + 90} in base 90 (at least two, all distinct). */
    private static String word(int i) {
        int syllables = CONSONANTS.length() * VOWELS.length();
        StringBuilder word = new StringBuilder();
        long n = (long) i + syllables;
        while (n > 0) {
            int s = (int) (n % syllables);
            word.append(CONSONANTS.charAt(s / VOWELS.length())).append(VOWELS.charAt(s % VOWELS.length()));
            n /= syllables;
        }
        return word.toString();
    }
}
