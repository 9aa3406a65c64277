/**
 * What every screen under an org receives: who is signed in, and which campaign and org it
 * shows. Its own module so the screens import it from below the registry (screens.tsx), which
 * imports the screens.
 */
import type { Me } from './api.ts';

export interface ScreenProps {
  me: Me;
  campaignId: string;
  orgId: string;
}
