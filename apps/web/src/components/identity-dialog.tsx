import { ConfirmDialog } from './confirm-dialog.tsx';

export interface IdentityDialogProps {
  serverUrl: string;
  fingerprint: string;
  onAnswer: (trusted: boolean) => void;
}

/** First contact with a server: show its signing key so the user can compare it before trusting it. */
export function IdentityDialog(props: IdentityDialogProps) {
  return (
    <ConfirmDialog
      title="New server"
      declineLabel="Cancel"
      confirmLabel="Trust this server"
      onAnswer={props.onAnswer}
      description={
        <>
          <p>
            This browser has not signed in to <strong class="break">{props.serverUrl}</strong> before. Compare
            its fingerprint with the one your administrator published. Once you trust it, this browser will
            refuse the server if its identity ever changes.
          </p>
          <p class="fingerprint-label">Server fingerprint</p>
          <code class="fingerprint" data-testid="fingerprint">
            {props.fingerprint}
          </code>
        </>
      }
    />
  );
}
