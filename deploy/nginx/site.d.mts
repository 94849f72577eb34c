/** deploy/nginx/imageflow.conf with its SET values filled in (see site.mjs). */
export declare const SITE_FILE: string;
export declare function siteConf(values: { api: string; listen: string; dataDir: string; files?: boolean }): string;
/** A whole nginx.conf around `site` for an unprivileged nginx run with `-p prefix` (see site.mjs). */
export declare function standaloneConf(values: { prefix: string; site: string; http?: string }): string;
