/**
 * The checkerboard behind images, light and dark. The global `.checker` is tuned for light
 * backgrounds only; the arbitrary property adds a faint white board in dark mode.
 */
export const CHECKER = 'checker dark:[background-image:conic-gradient(#ffffff0b_25%,transparent_0_50%,#ffffff0b_0_75%,transparent_0)]';
