/** A view's or form's error line (an alert, read out by screen readers); nothing without an error. */
export function ErrorLine({ error }: { readonly error: string | null | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}
