/** Word lists for short, varied prompts, so that full-text search over the filled store means something. */

export const SUBJECTS = [
  'lighthouse', 'fox', 'castle', 'robot', 'dragon', 'samurai', 'astronaut', 'owl', 'whale', 'tiger',
  'cathedral', 'windmill', 'sailboat', 'cottage', 'knight', 'witch', 'cyborg', 'phoenix', 'wolf', 'deer',
  'treehouse', 'airship', 'train', 'bridge', 'temple', 'pagoda', 'mushroom', 'jellyfish', 'octopus', 'hummingbird',
  'violinist', 'dancer', 'monk', 'pirate', 'explorer', 'gardener', 'blacksmith', 'alchemist', 'cat', 'horse',
  'skyscraper', 'greenhouse', 'library', 'observatory', 'waterfall', 'volcano', 'glacier', 'canyon', 'island', 'garden',
  'motorcycle', 'submarine', 'teapot', 'lantern', 'clocktower', 'carousel', 'bookshop', 'market', 'harbor', 'orchard',
] as const;

export const ADJECTIVES = [
  'ancient', 'tiny', 'giant', 'glowing', 'rusty', 'crystal', 'golden', 'misty', 'abandoned', 'futuristic',
  'cozy', 'ornate', 'weathered', 'floating', 'overgrown', 'neon', 'frozen', 'serene', 'majestic', 'whimsical',
  'mechanical', 'haunted', 'sunlit', 'moonlit', 'colorful', 'minimalist', 'baroque', 'ethereal', 'stormy', 'quiet',
] as const;

export const PLACES = [
  'on a cliff', 'in a forest', 'under the sea', 'in the desert', 'on mars', 'in a city street', 'by a lake',
  'in the mountains', 'at the beach', 'in a snowy village', 'inside a cave', 'above the clouds', 'in a jungle',
  'on a rooftop', 'in a meadow', 'near a river', 'in a bamboo grove', 'on a frozen lake', 'in a neon alley',
  'at a train station', 'in a lavender field', 'on a floating island', 'in a ruined temple', 'in outer space',
] as const;

export const TIMES = [
  'at sunset', 'at dawn', 'at night', 'at golden hour', 'in the rain', 'in fog', 'under a full moon',
  'during a storm', 'in autumn', 'in winter', 'in spring', 'at noon', 'at twilight', 'under northern lights',
] as const;

export const STYLES = [
  'oil painting', 'watercolor', 'digital art', 'photorealistic', 'studio ghibli style', 'pixel art', 'ukiyo-e',
  'concept art', 'low poly', 'pencil sketch', 'art nouveau', 'cinematic still', 'isometric render', 'claymation',
  'impressionist', 'vaporwave', 'charcoal drawing', 'stained glass', 'comic book', 'matte painting', 'gouache',
  'tilt-shift photo', 'film photograph', 'octane render', 'linocut', 'pastel drawing', 'infrared photo', 'papercraft',
] as const;

export const MODIFIERS = [
  'dramatic lighting', 'highly detailed', 'soft light', 'volumetric light', 'wide angle', 'shallow depth of field',
  'vibrant colors', 'muted palette', 'symmetrical', 'bokeh', 'rim light', 'high contrast', 'intricate', '8k',
  'sharp focus', 'long exposure', 'hazy', 'warm tones', 'cool tones', 'backlit',
] as const;

export const NEGATIVES = [
  '', '', '', 'blurry', 'blurry, low quality', 'watermark, text', 'extra fingers, deformed hands', 'lowres, jpeg artifacts',
  'oversaturated', 'cropped, out of frame',
] as const;
