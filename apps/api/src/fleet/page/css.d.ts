// Stylesheets are bundled by esbuild; TypeScript only needs to know they may be imported.
declare module '*.css';
