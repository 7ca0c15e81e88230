import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

// The page's style nonce (fresh per load, main/app/appServe.ts): Mantine's <style>
// elements carry it, since the Content-Security-Policy allows no other inline style;
// so do those of react-remove-scroll (Mantine's modals), which reads webpack's global.
const styleNonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
(globalThis as { __webpack_nonce__?: string }).__webpack_nonce__ = styleNonce;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider defaultColorScheme="light" getStyleNonce={() => styleNonce}>
      <App />
    </MantineProvider>
  </StrictMode>,
);
