/**
 * Words → scene. Turns a prompt (and its negative prompt) into motifs, a mood and a palette.
 * Pure and deterministic; no randomness except stable hashes of the words themselves.
 */
import {
  type RGB,
  hex,
  hslToRgb,
  hueDelta,
  luma,
  mix,
  rgbToHsl,
  saturate,
  scale,
  WHITE,
} from './color.ts';
import { hashString } from './rng.ts';

export const MOTIFS = [
  'sun',
  'moon',
  'planet',
  'stars',
  'galaxy',
  'aurora',
  'clouds',
  'mountains',
  'hills',
  'desert',
  'snow',
  'city',
  'water',
  'forest',
  'trees',
  'flowers',
  'cliff',
  'lighthouse',
  'rain',
  'fog',
  'abstract',
] as const;
export type Motif = (typeof MOTIFS)[number];

export const MOODS = ['day', 'golden', 'sunset', 'dawn', 'night', 'space', 'neon', 'overcast'] as const;
export type MoodName = (typeof MOODS)[number];

export type Modifier = 'pastel' | 'vivid' | 'dark' | 'bright' | 'mono' | 'warm' | 'cool';

interface WordEntry {
  motifs?: Motif[];
  mood?: MoodName;
  color?: string;
  mod?: Modifier;
  /** Effects that only make sense as things to avoid ("grain" in the negative prompt). */
  style?: 'grain' | 'vignette';
}

const W = (e: WordEntry): WordEntry => e;

/** The vocabulary. Keys are lower-case single words; plurals fall back to the singular. */
export const WORDS: Record<string, WordEntry> = {
  // --- sky things
  sun: W({ motifs: ['sun'] }),
  sunny: W({ motifs: ['sun'], mood: 'day' }),
  sunlight: W({ motifs: ['sun'] }),
  sunset: W({ motifs: ['sun'], mood: 'sunset' }),
  sundown: W({ motifs: ['sun'], mood: 'sunset' }),
  dusk: W({ mood: 'sunset' }),
  evening: W({ mood: 'sunset' }),
  twilight: W({ mood: 'sunset' }),
  sunrise: W({ motifs: ['sun'], mood: 'dawn' }),
  dawn: W({ motifs: ['sun'], mood: 'dawn' }),
  morning: W({ mood: 'dawn' }),
  golden: W({ mood: 'golden', color: '#e8b64a' }),
  afternoon: W({ mood: 'golden' }),
  day: W({ mood: 'day' }),
  daylight: W({ mood: 'day' }),
  noon: W({ mood: 'day', motifs: ['sun'] }),
  summer: W({ mood: 'day' }),
  night: W({ motifs: ['stars'], mood: 'night' }),
  midnight: W({ motifs: ['stars'], mood: 'night' }),
  nighttime: W({ motifs: ['stars'], mood: 'night' }),
  starry: W({ motifs: ['stars'], mood: 'night' }),
  star: W({ motifs: ['stars'] }),
  moon: W({ motifs: ['moon'], mood: 'night' }),
  moonlight: W({ motifs: ['moon'], mood: 'night' }),
  moonlit: W({ motifs: ['moon'], mood: 'night' }),
  planet: W({ motifs: ['planet', 'stars'], mood: 'space' }),
  saturn: W({ motifs: ['planet', 'stars'], mood: 'space' }),
  jupiter: W({ motifs: ['planet', 'stars'], mood: 'space' }),
  mars: W({ motifs: ['planet', 'stars'], mood: 'space', color: '#c1502e' }),
  space: W({ motifs: ['stars'], mood: 'space' }),
  outer: W({ mood: 'space' }),
  astronaut: W({ motifs: ['stars'], mood: 'space' }),
  cosmos: W({ motifs: ['stars', 'galaxy'], mood: 'space' }),
  cosmic: W({ motifs: ['stars', 'galaxy'], mood: 'space' }),
  universe: W({ motifs: ['stars', 'galaxy'], mood: 'space' }),
  galaxy: W({ motifs: ['stars', 'galaxy'], mood: 'space' }),
  nebula: W({ motifs: ['stars', 'galaxy'], mood: 'space' }),
  milky: W({ motifs: ['stars', 'galaxy'], mood: 'night' }),
  aurora: W({ motifs: ['aurora', 'stars'], mood: 'night' }),
  borealis: W({ motifs: ['aurora', 'stars'], mood: 'night' }),
  cloud: W({ motifs: ['clouds'] }),
  cloudy: W({ motifs: ['clouds'], mood: 'overcast' }),
  sky: W({ motifs: ['clouds'] }),
  storm: W({ motifs: ['clouds', 'rain'], mood: 'overcast', mod: 'dark' }),
  stormy: W({ motifs: ['clouds', 'rain'], mood: 'overcast', mod: 'dark' }),
  overcast: W({ motifs: ['clouds'], mood: 'overcast' }),
  rain: W({ motifs: ['rain'], mood: 'overcast' }),
  rainy: W({ motifs: ['rain'], mood: 'overcast' }),
  raining: W({ motifs: ['rain'], mood: 'overcast' }),
  drizzle: W({ motifs: ['rain'], mood: 'overcast' }),
  fog: W({ motifs: ['fog'], mood: 'overcast' }),
  foggy: W({ motifs: ['fog'], mood: 'overcast' }),
  mist: W({ motifs: ['fog'], mood: 'overcast' }),
  misty: W({ motifs: ['fog'], mood: 'overcast' }),
  haze: W({ motifs: ['fog'] }),
  hazy: W({ motifs: ['fog'] }),
  // --- land
  mountain: W({ motifs: ['mountains'] }),
  peak: W({ motifs: ['mountains'] }),
  alps: W({ motifs: ['mountains', 'snow'] }),
  range: W({ motifs: ['mountains'] }),
  volcano: W({ motifs: ['mountains'], color: '#d9481f' }),
  ridge: W({ motifs: ['mountains'] }),
  hill: W({ motifs: ['hills'] }),
  field: W({ motifs: ['hills'] }),
  meadow: W({ motifs: ['hills'] }),
  grass: W({ motifs: ['hills'] }),
  grassland: W({ motifs: ['hills'] }),
  prairie: W({ motifs: ['hills'] }),
  farm: W({ motifs: ['hills'] }),
  countryside: W({ motifs: ['hills'] }),
  valley: W({ motifs: ['hills', 'mountains'] }),
  landscape: W({ motifs: ['hills', 'mountains'] }),
  desert: W({ motifs: ['desert'], mood: 'golden' }),
  dune: W({ motifs: ['desert'] }),
  sand: W({ motifs: ['desert'] }),
  sahara: W({ motifs: ['desert'], mood: 'golden' }),
  snow: W({ motifs: ['snow'], color: '#e8f0fa' }),
  snowy: W({ motifs: ['snow'], color: '#e8f0fa' }),
  winter: W({ motifs: ['snow'], mod: 'cool' }),
  glacier: W({ motifs: ['snow', 'mountains'], mod: 'cool' }),
  frozen: W({ motifs: ['snow'], mod: 'cool' }),
  ice: W({ motifs: ['snow'], color: '#bfe6f2', mod: 'cool' }),
  icy: W({ motifs: ['snow'], mod: 'cool' }),
  cliff: W({ motifs: ['cliff'] }),
  rock: W({ motifs: ['cliff'] }),
  headland: W({ motifs: ['cliff'] }),
  lighthouse: W({ motifs: ['lighthouse', 'cliff'] }),
  // --- water
  ocean: W({ motifs: ['water'], color: '#1f6fb2' }),
  sea: W({ motifs: ['water'], color: '#1f6fb2' }),
  seascape: W({ motifs: ['water'] }),
  wave: W({ motifs: ['water'] }),
  lake: W({ motifs: ['water'] }),
  river: W({ motifs: ['water'] }),
  water: W({ motifs: ['water'] }),
  beach: W({ motifs: ['water'] }),
  bay: W({ motifs: ['water'] }),
  coast: W({ motifs: ['water', 'cliff'] }),
  pond: W({ motifs: ['water'] }),
  harbor: W({ motifs: ['water', 'city'] }),
  harbour: W({ motifs: ['water', 'city'] }),
  reflection: W({ motifs: ['water'] }),
  // --- city
  city: W({ motifs: ['city'] }),
  cityscape: W({ motifs: ['city'] }),
  skyline: W({ motifs: ['city'] }),
  town: W({ motifs: ['city'] }),
  building: W({ motifs: ['city'] }),
  skyscraper: W({ motifs: ['city'] }),
  downtown: W({ motifs: ['city'] }),
  metropolis: W({ motifs: ['city'] }),
  street: W({ motifs: ['city'] }),
  urban: W({ motifs: ['city'] }),
  cyberpunk: W({ motifs: ['city'], mood: 'neon' }),
  // --- plants
  forest: W({ motifs: ['forest'], color: '#2f6b4a' }),
  pine: W({ motifs: ['forest'] }),
  fir: W({ motifs: ['forest'] }),
  spruce: W({ motifs: ['forest'] }),
  conifer: W({ motifs: ['forest'] }),
  taiga: W({ motifs: ['forest', 'snow'] }),
  wood: W({ motifs: ['forest'] }),
  woods: W({ motifs: ['forest'] }),
  woodland: W({ motifs: ['forest'] }),
  tree: W({ motifs: ['trees'] }),
  oak: W({ motifs: ['trees'] }),
  park: W({ motifs: ['trees', 'hills'] }),
  jungle: W({ motifs: ['trees'], color: '#2e8b57' }),
  garden: W({ motifs: ['flowers', 'trees'] }),
  flower: W({ motifs: ['flowers'] }),
  rose: W({ motifs: ['flowers'], color: '#d7263d' }),
  tulip: W({ motifs: ['flowers'] }),
  daisy: W({ motifs: ['flowers'], color: '#f4f4f2' }),
  poppy: W({ motifs: ['flowers'], color: '#e0301e' }),
  sunflower: W({ motifs: ['flowers'], color: '#f6c431' }),
  blossom: W({ motifs: ['flowers'], color: '#f7a8c4' }),
  bloom: W({ motifs: ['flowers'] }),
  lotus: W({ motifs: ['flowers', 'water'], color: '#f49ac1' }),
  // --- abstract
  abstract: W({ motifs: ['abstract'] }),
  pattern: W({ motifs: ['abstract'] }),
  gradient: W({ motifs: ['abstract'] }),
  wallpaper: W({ motifs: ['abstract'] }),
  texture: W({ motifs: ['abstract'] }),
  fluid: W({ motifs: ['abstract'] }),
  swirl: W({ motifs: ['abstract'] }),
  // --- moods / styles
  neon: W({ mood: 'neon' }),
  synthwave: W({ mood: 'neon', motifs: ['sun'] }),
  vaporwave: W({ mood: 'neon', mod: 'pastel' }),
  pastel: W({ mod: 'pastel' }),
  soft: W({ mod: 'pastel' }),
  vivid: W({ mod: 'vivid' }),
  vibrant: W({ mod: 'vivid' }),
  colorful: W({ mod: 'vivid' }),
  colourful: W({ mod: 'vivid' }),
  saturated: W({ mod: 'vivid' }),
  dark: W({ mod: 'dark' }),
  moody: W({ mod: 'dark' }),
  gloomy: W({ mod: 'dark' }),
  bright: W({ mod: 'bright' }),
  light: W({ mod: 'bright' }),
  monochrome: W({ mod: 'mono' }),
  grayscale: W({ mod: 'mono' }),
  greyscale: W({ mod: 'mono' }),
  warm: W({ mod: 'warm' }),
  cozy: W({ mod: 'warm' }),
  cool: W({ mod: 'cool' }),
  cold: W({ mod: 'cool' }),
  grain: W({ style: 'grain' }),
  grainy: W({ style: 'grain' }),
  noise: W({ style: 'grain' }),
  noisy: W({ style: 'grain' }),
  vignette: W({ style: 'vignette' }),
  // --- colours
  red: W({ color: '#d7263d' }),
  crimson: W({ color: '#b0172f' }),
  scarlet: W({ color: '#e0301e' }),
  ruby: W({ color: '#a4133c' }),
  maroon: W({ color: '#7a1f2b' }),
  orange: W({ color: '#f28c28' }),
  amber: W({ color: '#ffb000' }),
  rust: W({ color: '#b5502a' }),
  copper: W({ color: '#b87333' }),
  bronze: W({ color: '#a97142' }),
  autumn: W({ color: '#d9692b', mod: 'warm' }),
  fall: W({ color: '#d9692b' }),
  fire: W({ color: '#ff5a1f', mod: 'warm' }),
  flame: W({ color: '#ff5a1f' }),
  lava: W({ color: '#ff4500' }),
  yellow: W({ color: '#f6d743' }),
  gold: W({ color: '#e8b64a' }),
  lemon: W({ color: '#f7e463' }),
  green: W({ color: '#3fa34d' }),
  emerald: W({ color: '#1f9d6b' }),
  lime: W({ color: '#9bd53a' }),
  olive: W({ color: '#808a3c' }),
  mint: W({ color: '#8fe3c0' }),
  jade: W({ color: '#00a86b' }),
  teal: W({ color: '#1b9aaa' }),
  turquoise: W({ color: '#30c5c9' }),
  cyan: W({ color: '#22d3ee' }),
  aqua: W({ color: '#3ee0e0' }),
  blue: W({ color: '#2f6bd8' }),
  azure: W({ color: '#3a8ee6' }),
  sapphire: W({ color: '#2a52be' }),
  navy: W({ color: '#1c2a5a' }),
  cobalt: W({ color: '#0047ab' }),
  indigo: W({ color: '#4b3fa6' }),
  purple: W({ color: '#7e4bc8' }),
  violet: W({ color: '#8f5fe8' }),
  lavender: W({ color: '#b9a3e6' }),
  lilac: W({ color: '#c8a2c8' }),
  magenta: W({ color: '#d6339c' }),
  pink: W({ color: '#f27fb2' }),
  peach: W({ color: '#ffb38a' }),
  coral: W({ color: '#ff7f6a' }),
  salmon: W({ color: '#fa8072' }),
  brown: W({ color: '#8a5a3c' }),
  chocolate: W({ color: '#5d3a1a' }),
  beige: W({ color: '#d8c3a5' }),
  cream: W({ color: '#f3e6c8' }),
  ivory: W({ color: '#f6f1e1' }),
  white: W({ color: '#f4f4f2' }),
  silver: W({ color: '#c0c7d0' }),
  gray: W({ color: '#8a8f98' }),
  grey: W({ color: '#8a8f98' }),
  charcoal: W({ color: '#36393f' }),
  black: W({ color: '#141418' }),
};

/** Words that are mainly about the time of day or the look, rather than a thing in the picture. */
const MOOD_WORDS = new Set(
  'sunset sundown dusk evening twilight sunrise dawn morning golden afternoon day daylight noon summer night midnight nighttime starry space outer neon synthwave vaporwave overcast cloudy sunny'.split(
    ' ',
  ),
);

/** Grammar words that carry no colour. */
const STOPWORDS = new Set(
  'a an the of on in at by with and or over under into onto to from for is are was be as its it this that some very its near behind above below across through while'.split(
    ' ',
  ),
);

/** Split a prompt into normalised words: lower-case letters only ("(red:1.2)" → "red"). */
export function tokenize(prompt: string): string[] {
  return prompt
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0);
}

/** The dictionary entry for a word, trying simple singular forms ("mountains", "skies"). */
export function lookup(word: string): { key: string; entry: WordEntry } | undefined {
  const tries = [word];
  if (word.endsWith('ies')) tries.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) tries.push(word.slice(0, -2));
  if (word.endsWith('s')) tries.push(word.slice(0, -1));
  for (const key of tries) {
    const entry = WORDS[key];
    if (entry) return { key, entry };
  }
  return undefined;
}

export interface Palette {
  skyTop: RGB;
  skyMid: RGB;
  skyHorizon: RGB;
  sun: RGB;
  land: RGB;
  water: RGB;
  accent: RGB;
  accent2: RGB;
  fog: RGB;
  cloud: RGB;
  cloudShade: RGB;
  building: RGB;
  window: RGB;
  sand: RGB;
  snow: RGB;
  nebulaA: RGB;
  nebulaB: RGB;
  aurora: RGB;
  aurora2: RGB;
  pollen: RGB;
  stem: RGB;
  stripe: RGB;
  rock: RGB;
  bark: RGB;
  foliage: RGB;
  /** Colours for abstract compositions, dark to light. */
  ramp: RGB[];
  /** 0..1: how strongly the light source glows in the sky, and how bright the horizon band is. */
  glow: number;
  horizonGlow: number;
}

type Extra = 'aurora' | 'aurora2' | 'pollen' | 'stem' | 'stripe' | 'rock' | 'bark' | 'foliage';
type MoodDef = Omit<Palette, 'ramp' | 'glow' | 'horizonGlow' | Extra> & { glow: number; horizonGlow: number };

function mood(d: Record<keyof Omit<MoodDef, 'glow' | 'horizonGlow'>, string>, glow: number, horizonGlow: number): MoodDef {
  const out = { glow, horizonGlow } as MoodDef;
  for (const [k, v] of Object.entries(d)) (out as unknown as Record<string, RGB>)[k] = hex(v);
  return out;
}

const MOOD_DEFS: Record<MoodName, MoodDef> = {
  day: mood(
    {
      skyTop: '#2f6db8', skyMid: '#74a9e0', skyHorizon: '#d6e7f3', sun: '#fff4d6', land: '#4f7d47',
      water: '#245f92', accent: '#f2c14e', accent2: '#e86f68', fog: '#cfe0ee', cloud: '#ffffff',
      cloudShade: '#9fb6cf', building: '#56667c', window: '#b9d3ea', sand: '#e2c08d', snow: '#f3f7fb',
      nebulaA: '#7fb2e6', nebulaB: '#f2c14e',
    },
    0.35,
    0.12,
  ),
  golden: mood(
    {
      skyTop: '#4f74ad', skyMid: '#d9b99a', skyHorizon: '#ffd49a', sun: '#fff0c8', land: '#6f7a3c',
      water: '#46698a', accent: '#ffb347', accent2: '#e36f4f', fog: '#f0d4ac', cloud: '#fff1dc',
      cloudShade: '#bf8f80', building: '#6e5a55', window: '#ffd27a', sand: '#e9b872', snow: '#fff3e0',
      nebulaA: '#ffb347', nebulaB: '#e36f4f',
    },
    0.6,
    0.35,
  ),
  sunset: mood(
    {
      skyTop: '#232a5c', skyMid: '#a8486f', skyHorizon: '#ff9d57', sun: '#ffd08a', land: '#3a2444',
      water: '#392d5a', accent: '#ff6f59', accent2: '#ffc15e', fog: '#de8a82', cloud: '#ffb08a',
      cloudShade: '#6a3a68', building: '#2a1e36', window: '#ffc46b', sand: '#d98c5f', snow: '#f6c4c0',
      nebulaA: '#ff6f59', nebulaB: '#a8486f',
    },
    0.85,
    0.6,
  ),
  dawn: mood(
    {
      skyTop: '#4d5a9c', skyMid: '#c39cc0', skyHorizon: '#ffd5b8', sun: '#fff1de', land: '#55607f',
      water: '#7480b0', accent: '#ff9fb0', accent2: '#ffd59e', fog: '#e6cbd5', cloud: '#ffe6e0',
      cloudShade: '#9a8cb3', building: '#5a5370', window: '#ffe0a8', sand: '#e8bfa0', snow: '#f5eef5',
      nebulaA: '#ff9fb0', nebulaB: '#c39cc0',
    },
    0.55,
    0.4,
  ),
  night: mood(
    {
      skyTop: '#030716', skyMid: '#0b1a44', skyHorizon: '#22406f', sun: '#e6ecff', land: '#070b1c',
      water: '#081530', accent: '#ffcf7a', accent2: '#7fb6ff', fog: '#1c2f5a', cloud: '#36466f',
      cloudShade: '#0d1430', building: '#0b1024', window: '#ffcf7a', sand: '#4a4a6a', snow: '#9fb0d8',
      nebulaA: '#5b3aa8', nebulaB: '#2b6cb0',
    },
    0.3,
    0.18,
  ),
  space: mood(
    {
      skyTop: '#010207', skyMid: '#05081a', skyHorizon: '#120c2e', sun: '#fff4e0', land: '#1a1426',
      water: '#0c0a1e', accent: '#9b5de5', accent2: '#00bbf9', fog: '#1b1238', cloud: '#2a1f4f',
      cloudShade: '#0a0718', building: '#151020', window: '#ffd27a', sand: '#5a4a6e', snow: '#c8c8e8',
      nebulaA: '#8a3cd0', nebulaB: '#2d7dd2',
    },
    0.35,
    0,
  ),
  neon: mood(
    {
      skyTop: '#0a0420', skyMid: '#2a0b4a', skyHorizon: '#8c1c7a', sun: '#ff5ecf', land: '#0d0820',
      water: '#140a2e', accent: '#00f0ff', accent2: '#ff2bd6', fog: '#5a1e78', cloud: '#4a2070',
      cloudShade: '#14082a', building: '#120a26', window: '#ffc38a', sand: '#3a1a4a', snow: '#c8a0e8',
      nebulaA: '#ff2bd6', nebulaB: '#00f0ff',
    },
    0.6,
    0.7,
  ),
  overcast: mood(
    {
      skyTop: '#76828f', skyMid: '#a6afba', skyHorizon: '#d0d5da', sun: '#f4f1ea', land: '#55615a',
      water: '#5a6c7a', accent: '#d9a35b', accent2: '#8fb3c9', fog: '#c7cdd3', cloud: '#e8eaed',
      cloudShade: '#87909c', building: '#646e7a', window: '#e8d9b0', sand: '#cbb89a', snow: '#eef1f4',
      nebulaA: '#a6afba', nebulaB: '#d9a35b',
    },
    0.15,
    0.1,
  ),
};

/** Mood precedence when a prompt names several ("neon city at night" → neon). */
const MOOD_RANK: MoodName[] = ['space', 'neon', 'sunset', 'dawn', 'night', 'golden', 'day', 'overcast'];
const DEFAULT_MOODS: MoodName[] = ['day', 'golden', 'dawn', 'sunset', 'day', 'golden'];

/** Curated ramps for abstract prompts that name no colour (picked by seed). */
const ABSTRACT_RAMPS: string[][] = [
  ['#0b1d3a', '#1f4e79', '#2a9d8f', '#e9c46a', '#f4a261'],
  ['#2d1e2f', '#7b2d5b', '#e05780', '#ff9b85', '#ffd6a5'],
  ['#03045e', '#0077b6', '#00b4d8', '#90e0ef', '#e0f7fb'],
  ['#10002b', '#3c096c', '#7b2cbf', '#c77dff', '#f0d9ff'],
  ['#081c15', '#1b4332', '#40916c', '#95d5b2', '#e9f7ee'],
  ['#1a0a0a', '#6a040f', '#d00000', '#f48c06', '#ffd166'],
  ['#5e548e', '#9f86c0', '#e0b1cb', '#ffc8dd', '#fff1f6'],
  ['#0d1b2a', '#415a77', '#e07a5f', '#f2cc8f', '#f4f1de'],
];

export interface PromptInfo {
  /** Words of the prompt that count (no negated words, no stop words). */
  words: string[];
  negativeWords: string[];
  motifs: Set<Motif>;
  /** Motifs the negative prompt asked to leave out (never added, not even as decoration). */
  negatedMotifs: Set<Motif>;
  mood: MoodName;
  /** Whether the mood was named by the prompt (rather than picked from its hash). */
  moodNamed: boolean;
  colorWords: string[];
  unknownWords: string[];
  modifiers: Set<Modifier>;
  /** Hues (degrees) the negative prompt asks to avoid. */
  avoidHues: number[];
  grain: boolean;
  vignette: boolean;
  /** True when nothing figurative was asked for: render an abstract composition. */
  abstract: boolean;
  /** Stable hash of the meaningful words (for choices that depend on the prompt only). */
  hash: number;
}

/** Read a prompt and its negative prompt. */
export function interpretPrompt(prompt: string, negativePrompt = ''): PromptInfo {
  const negTokens = tokenize(negativePrompt).filter((w) => !STOPWORDS.has(w));
  const negKeys = new Set<string>();
  const negMotifs = new Set<Motif>();
  const negMoods = new Set<MoodName>();
  const negMods = new Set<Modifier>();
  const avoidHues: number[] = [];
  let grain = true;
  let vignette = true;
  for (const w of negTokens) {
    negKeys.add(w);
    const hit = lookup(w);
    if (!hit) continue;
    negKeys.add(hit.key);
    const e = hit.entry;
    // A negated word takes away the things it names; for a colour word, its hue too.
    // Time-of-day words take away their mood (and stars for night), but not the sun itself;
    // words for things ("moon", "rain") take away the things, not the mood they suggest.
    const moodWord = e.mood !== undefined && MOOD_WORDS.has(hit.key);
    if (moodWord) negMoods.add(e.mood!);
    for (const m of e.motifs ?? []) if (!(moodWord && m === 'sun')) negMotifs.add(m);
    if (e.mod) negMods.add(e.mod);
    if (e.color && !e.motifs) {
      const [h, s] = rgbToHsl(hex(e.color));
      if (s > 0.2) avoidHues.push(h);
    }
    if (e.style === 'grain') grain = false;
    if (e.style === 'vignette') vignette = false;
  }

  // "black and white" / "b&w" means monochrome, not the two colours.
  const mono = /\bblack\s*(?:and|&|-|\/)?\s*white\b|\bb\s*&\s*w\b/.test(prompt.toLowerCase());
  const words: string[] = [];
  const motifs = new Set<Motif>();
  const moods: MoodName[] = [];
  const colorWords: string[] = [];
  const unknownWords: string[] = [];
  const modifiers = new Set<Modifier>();
  for (const w of tokenize(prompt)) {
    if (STOPWORDS.has(w) || negKeys.has(w)) continue;
    const hit = lookup(w);
    if (hit && negKeys.has(hit.key)) continue;
    words.push(w);
    if (!hit) {
      unknownWords.push(w);
      continue;
    }
    const e = hit.entry;
    for (const m of e.motifs ?? []) if (!negMotifs.has(m)) motifs.add(m);
    if (e.mood && !negMoods.has(e.mood)) moods.push(e.mood);
    if (e.color && !(mono && (hit.key === 'black' || hit.key === 'white'))) colorWords.push(hit.key);
    if (e.mod && !negMods.has(e.mod)) modifiers.add(e.mod);
  }

  if (mono && !negMods.has('mono')) modifiers.add('mono');
  const hash = hashString(words.join(' '));
  let moodName: MoodName | undefined;
  for (const m of MOOD_RANK) if (moods.includes(m)) {
    moodName = m;
    break;
  }
  const moodNamed = moodName !== undefined;
  if (!moodName) {
    const options = DEFAULT_MOODS.filter((m) => !negMoods.has(m));
    const list = options.length > 0 ? options : (['day'] as MoodName[]);
    moodName = list[hash % list.length]!;
  }
  // Night and space skies show stars unless told otherwise.
  if ((moodName === 'night' || moodName === 'space') && !negMotifs.has('stars')) motifs.add('stars');
  if (moodName === 'neon' && motifs.size === 0) motifs.add('city');

  const figurative = [...motifs].some((m) => m !== 'abstract' && m !== 'fog' && m !== 'rain');
  const abstract = motifs.has('abstract') || !figurative;

  return {
    words,
    negativeWords: negTokens,
    motifs,
    negatedMotifs: negMotifs,
    mood: moodName,
    moodNamed,
    colorWords,
    unknownWords,
    modifiers,
    avoidHues,
    grain,
    vignette,
    abstract,
    hash,
  };
}

/** A pleasant colour for a word the vocabulary doesn't know, from its hash. */
export function wordColor(word: string): RGB {
  const h = hashString(word);
  const hue = h % 360;
  const sat = 0.45 + ((h >>> 9) % 100) / 400;
  const light = 0.45 + ((h >>> 17) % 100) / 700;
  return hslToRgb(hue, sat, light);
}

function average(colors: RGB[]): RGB {
  const s: RGB = [0, 0, 0];
  for (const c of colors) {
    s[0] += c[0];
    s[1] += c[1];
    s[2] += c[2];
  }
  const n = Math.max(1, colors.length);
  return [s[0] / n, s[1] / n, s[2] / n];
}

/** Push a colour's hue out of every avoided hue window (±40°). Neutral colours are left alone. */
function avoid(c: RGB, hues: number[]): RGB {
  if (hues.length === 0) return c;
  let [h, s, l] = rgbToHsl(c);
  if (s < 0.12) return c;
  for (let pass = 0; pass < 3; pass++) {
    let moved = false;
    for (const a of hues) {
      const d = hueDelta(h, a);
      if (Math.abs(d) < 45) {
        h = a + (d >= 0 ? 50 : -50);
        moved = true;
      }
    }
    if (!moved) break;
  }
  // If it is still stuck inside a window (hues on both sides), wash it out instead.
  if (hues.some((a) => Math.abs(hueDelta(h, a)) < 45)) s *= 0.15;
  return hslToRgb(h, s, l);
}

/** The colours of the picture: the mood's, bent towards the named colours and the other words. */
export function buildPalette(info: PromptInfo, seed: number): Palette {
  const base = MOOD_DEFS[info.mood];
  const dark = info.mood === 'night' || info.mood === 'space' || info.mood === 'neon';
  const p: Palette = {
    ...base,
    aurora: hex('#3dffa8'),
    aurora2: hex('#b05cff'),
    pollen: hex('#f6c431'),
    stem: mix(hex('#3f7d3a'), base.land, 0.35),
    stripe: hex('#c8323a'),
    rock: mix(hex('#4a4540'), base.land, 0.35),
    bark: mix(hex('#6a4a33'), base.land, 0.3),
    foliage: mix(base.land, hex('#2c5e3a'), 0.35),
    ramp: [],
  };
  if (dark) p.stem = scale(p.stem, 0.35);
  const named = info.colorWords.map((w) => hex(WORDS[w]!.color!));
  const hashed = info.unknownWords.slice(0, 8).map(wordColor);

  if (named.length > 0) {
    const tint = average(named);
    const night = info.mood === 'night' || info.mood === 'space' || info.mood === 'neon';
    const k = night ? 0.12 : 0.2;
    p.skyTop = mix(p.skyTop, scale(tint, luma(p.skyTop) / Math.max(0.05, luma(tint))), k * 0.6);
    p.skyMid = mix(p.skyMid, tint, k);
    p.skyHorizon = mix(p.skyHorizon, tint, k * 0.8);
    p.fog = mix(p.fog, tint, k * 0.6);
    p.land = mix(p.land, scale(tint, luma(p.land) / Math.max(0.05, luma(tint))), 0.1);
    p.water = mix(p.water, scale(tint, luma(p.water) / Math.max(0.05, luma(tint))), 0.3);
    p.cloud = mix(p.cloud, tint, 0.1);
    p.accent = named[0]!;
    p.accent2 = named[1] ?? mix(named[0]!, p.accent2, 0.5);
    p.nebulaA = mix(p.nebulaA, named[0]!, 0.6);
    p.nebulaB = mix(p.nebulaB, named[1] ?? p.accent2, 0.4);
    if (night) p.window = mix(p.window, named[0]!, 0.5);
  }
  if (hashed.length > 0) {
    const tint = average(hashed);
    p.skyMid = mix(p.skyMid, tint, 0.1);
    p.skyHorizon = mix(p.skyHorizon, tint, 0.08);
    p.land = mix(p.land, scale(tint, luma(p.land) / Math.max(0.05, luma(tint))), 0.1);
    p.nebulaA = mix(p.nebulaA, tint, 0.25);
    if (named.length === 0) p.accent = mix(p.accent, tint, 0.35);
  }
  if (info.motifs.has('snow')) {
    p.land = mix(p.snow, p.skyMid, 0.25);
    p.foliage = mix(p.foliage, p.land, 0.45);
  }

  // Abstract ramps: from the named colours if any, else a curated ramp picked by seed and prompt.
  if (named.length > 0 || hashed.length > 0 || info.moodNamed) {
    const src = [...named, ...named.map((c) => mix(c, WHITE, 0.45)), p.skyTop, p.skyMid, p.skyHorizon, p.accent2];
    if (named.length === 0) src.push(p.accent, ...hashed);
    src.sort((a, b) => luma(a) - luma(b));
    p.ramp = [mix(src[0]!, [0, 0, 0], 0.35), ...src.slice(0, 6)];
    if (hashed.length > 0) p.ramp.splice(2, 0, hashed[0]!);
    p.ramp.sort((a, b) => luma(a) - luma(b));
  } else {
    p.ramp = ABSTRACT_RAMPS[(seed + info.hash) % ABSTRACT_RAMPS.length]!.map(hex);
  }

  // Modifiers.
  const all = (f: (c: RGB) => RGB): void => {
    for (const k of Object.keys(p) as (keyof Palette)[]) {
      const v = p[k];
      if (Array.isArray(v) && typeof v[0] === 'number') (p as unknown as Record<string, RGB>)[k] = f(v as RGB);
    }
    p.ramp = p.ramp.map(f);
  };
  const m = info.modifiers;
  if (m.has('pastel')) all((c) => mix(saturate(c, 0.75), WHITE, 0.3));
  if (m.has('vivid')) all((c) => saturate(c, 1.3));
  if (m.has('dark')) all((c) => scale(c, 0.72));
  if (m.has('bright')) all((c) => mix(c, WHITE, 0.12));
  if (m.has('warm')) all((c) => mix(c, [c[0] * 1.08 + 0.03, c[1] * 1.0, c[2] * 0.88], 0.8));
  if (m.has('cool')) all((c) => mix(c, [c[0] * 0.9, c[1] * 1.0, c[2] * 1.08 + 0.03], 0.8));
  if (m.has('mono')) all((c) => saturate(c, 0));
  if (info.avoidHues.length > 0) all((c) => avoid(c, info.avoidHues));
  all((c) => [Math.min(1, Math.max(0, c[0])), Math.min(1, Math.max(0, c[1])), Math.min(1, Math.max(0, c[2]))]);
  return p;
}
