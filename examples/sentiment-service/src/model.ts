/**
 * A toy sentiment classifier: a bag-of-words score squashed by a logistic.
 * It stands in for a real model; what matters is that it has inputs that can
 * drift and outputs with a confidence.
 */

const POSITIVE = new Set(['great', 'good', 'love', 'excellent', 'happy', 'fast', 'bom', 'ótimo']);
const NEGATIVE = new Set(['bad', 'slow', 'broken', 'hate', 'awful', 'refund', 'ruim', 'lento']);

/** What the model returns for one text. */
export interface Sentiment {
  label: 'positive' | 'negative';
  confidence: number;
  /** The features the model used (the monitor records them). */
  features: { text_length: number; sentiment_score: number; language: string };
}

/** Scores one text. Throws on empty input, like a real model would on bad data. */
export function predict(text: string, language: string): Sentiment {
  if (text.length === 0) throw new RangeError('empty text');
  let score = 0;
  for (const word of text.toLowerCase().split(/\W+/u)) {
    if (POSITIVE.has(word)) score += 1;
    else if (NEGATIVE.has(word)) score -= 1;
  }
  const p = 1 / (1 + Math.exp(-score));
  const label = p >= 0.5 ? 'positive' : 'negative';
  return {
    label,
    confidence: label === 'positive' ? p : 1 - p,
    features: { text_length: text.length, sentiment_score: score, language },
  };
}
