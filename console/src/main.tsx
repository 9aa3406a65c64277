import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startOverviewEarly } from './Overview.tsx';

// Opened at an overview: its read starts now, beside the page's GET /session, not after it.
const at = /^#\/c\/([^/]+)\/o\/([^/]+)$/.exec(location.hash);
if (at) startOverviewEarly(decodeURIComponent(at[1]!), decodeURIComponent(at[2]!));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
