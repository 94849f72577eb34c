/** deploy/nginx/imageflow.conf with its SET values filled in (see site.mjs). */
export declare const SITE_FILE: string;
export declare function siteConf(values: { api: string; listen: string; dataDir: string; files?: boolean }): string;
