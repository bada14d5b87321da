/** MLflow-style generated identifiers: 18-digit experiment ids and `adjective-noun-123` run names. */
import { randomInt, randomUUID } from 'node:crypto';

const predicates = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'eager', 'fair', 'gentle',
  'glad', 'honest', 'keen', 'kind', 'lively', 'lucky', 'merry', 'neat', 'polite', 'proud', 'quick', 'quiet',
  'sharp', 'shy', 'smart', 'sunny', 'swift', 'tidy', 'warm', 'wise'];
const nouns = ['ant', 'bass', 'bat', 'bear', 'bird', 'cat', 'colt', 'crab', 'crow', 'deer', 'doe', 'dog', 'dove',
  'duck', 'eel', 'fawn', 'finch', 'fox', 'frog', 'gnat', 'goat', 'hare', 'hawk', 'hen', 'horse', 'jay', 'koi',
  'lark', 'mole', 'moth', 'mule', 'newt', 'owl', 'ox', 'perch', 'pig', 'ram', 'seal', 'shark', 'slug', 'snail',
  'sow', 'squid', 'stag', 'swan', 'toad', 'trout', 'wasp', 'whale', 'wolf', 'wren', 'yak', 'zebra'];

/** A random run name in MLflow's `<predicate>-<noun>-<0..1000>` form (at most 20 characters). */
export function generateRunName(): string {
  const name = `${predicates[randomInt(predicates.length)]}-${nouns[randomInt(nouns.length)]}-${randomInt(1001)}`;
  return name.slice(0, 20);
}

/** A random 18-digit experiment id, as MLflow's `_generate_unique_integer_id`. */
export function generateExperimentId(): string {
  let digits = String(randomInt(1, 10));
  for (let i = 1; i < 18; i += 1) digits += String(randomInt(10));
  return digits;
}

/** A run id: 32 lowercase hex digits (`uuid4().hex`). */
export function generateRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/** A 3.x logged model id: `m-` and the 32 hex digits of a UUID4, as MLflow's stores build it. */
export function generateLoggedModelId(): string {
  return `m-${randomUUID().replaceAll('-', '')}`;
}
