defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", elixir: "~> 1.16", deps: deps()]
  end

  defp deps, do: []
end
